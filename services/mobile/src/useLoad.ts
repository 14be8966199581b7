import { useCallback, useEffect, useState } from "react";

export type Load<T> =
  | { state: "loading" }
  | { state: "failed"; error: string }
  | { state: "loaded"; value: T };

/** Runs `load` when `key` changes; a result that arrives after a newer request is dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): [Load<T>, () => void] {
  const [result, setResult] = useState<Load<T>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setResult({ state: "loading" });
    load().then(
      (value) => current && setResult({ state: "loaded", value }),
      (error: unknown) => current && setResult({ state: "failed", error: String((error as Error)?.message ?? error) }),
    );
    return () => {
      current = false;
    };
    // `load` is a new closure on every render; `key` says when it means something new.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [result, retry];
}
