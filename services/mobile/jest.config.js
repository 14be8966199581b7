// Two projects: the app under React Native's Jest preset, the update server under plain Node.
module.exports = {
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
