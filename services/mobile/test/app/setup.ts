import { configure } from "@testing-library/react-native";

// The first render of a test file compiles React Native's modules; on a busy two-core runner
// that alone can pass the default one second of findBy*/waitFor.
configure({ asyncUtilTimeout: 10_000 });
