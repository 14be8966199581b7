import type { DestinationStream, Logger } from "pino";

/** JSON lines (to stdout unless `destination` is given) with the active span's ids. */
export function createLogger(service: string, level?: string, destination?: DestinationStream): Logger;

export type { Logger };
