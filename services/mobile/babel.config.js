// Expo's preset, for Metro and Jest alike.
module.exports = function config(api) {
  api.cache(true);
  return { presets: ["babel-preset-expo"] };
};
