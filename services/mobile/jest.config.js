// Two projects: the app under React Native's Jest preset, the update server under plain Node.
module.exports = {
  // The first render of a suite loads React Native's modules through Babel: on a CI runner
  // shared with other builds that alone took more than Jest's default 5 s for one test.
  testTimeout: 30000,
  projects: [
    {
      displayName: "app",
      preset: "jest-expo",
      testMatch: ["<rootDir>/test/app/**/*.test.ts?(x)"],
      setupFilesAfterEnv: ["<rootDir>/test/app/setup.ts"],
    },
    {
      displayName: "server",
      testEnvironment: "node",
      testMatch: ["<rootDir>/test/server/**/*.test.ts"],
    },
  ],
};
