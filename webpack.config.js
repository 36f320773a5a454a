// Two targets from one core: the Excel add-in (pane + custom functions, shared runtime) and the Apps Script
// add-on (Code.js + one self-contained Sidebar.html). HyperFormula and test code are never bundled.
const path = require("path");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const CopyWebpackPlugin = require("copy-webpack-plugin");
const CustomFunctionsMetadataPlugin = require("custom-functions-metadata-plugin");
const GasPlugin = require("gas-webpack-plugin");

// Where the Excel add-in is served from in production: one setting, read at build time.
const ADDIN_URL = (process.env.PCN_ADDIN_URL || "https://localhost:3000").replace(/\/$/, "");

// onlyCompileBundledFiles: type-check what is bundled; tsconfig.json also includes tests and other hosts' files.
const tsRule = (configFile, extra = {}) => ({
  test: /\.ts$/,
  exclude: /node_modules/,
  ...extra,
  use: { loader: "ts-loader", options: { configFile: path.resolve(__dirname, configFile), transpileOnly: false, onlyCompileBundledFiles: true } },
});

const excel = (env, argv) => ({
  name: "excel",
  target: "web",
  devtool: argv.mode === "development" ? "source-map" : false,
  entry: {
    functions: "./excel-addin/functions-entry.ts",
    taskpane: "./excel-addin/taskpane.ts",
  },
  output: { path: path.resolve(__dirname, "dist/excel-addin"), filename: "[name].js", clean: true },
  resolve: { extensions: [".ts", ".js"] },
  module: { rules: [tsRule("tsconfig.json")] },
  plugins: [
    new CustomFunctionsMetadataPlugin({ output: "functions.json", input: "./excel-addin/generated/functions.ts" }),
    new HtmlWebpackPlugin({ filename: "taskpane.html", template: "./excel-addin/taskpane.html", chunks: ["functions", "taskpane"], inject: "body" }),
    new CopyWebpackPlugin({
      patterns: [
        { from: "excel-addin/assets", to: "assets" },
        { from: "excel-addin/support.html", to: "support.html" },
        { from: "excel-addin/manifest.xml", to: "manifest.xml", transform: (c) => c.toString().replace(/https:\/\/localhost:3000/g, ADDIN_URL) },
      ],
    }),
  ],
  performance: { hints: false },
  devServer: {
    static: { directory: path.resolve(__dirname, "dist/excel-addin") },
    port: 3000,
    headers: { "Access-Control-Allow-Origin": "*" },
    server: require("./scripts/dev-certs.js")(),
  },
});

const sheets = (env, argv) => {
  const { BannerPlugin } = require("webpack");
  // Two TypeScript programs: server code without DOM (Apps Script types), the sidebar with DOM.
  const sidebarFiles = [path.resolve(__dirname, "sheets-addon/sidebar.ts"), path.resolve(__dirname, "sheets-addon/sidebar-bridge.ts"), path.resolve(__dirname, "pane")];
  const ts = (instance, configFile) => ({
    loader: "ts-loader",
    options: { instance, configFile: path.resolve(__dirname, configFile), transpileOnly: false },
  });
  return {
    name: "sheets",
    target: ["web", "es2019"],
    devtool: false,
    entry: { Code: "./sheets-addon/main.ts", sidebar: "./sheets-addon/sidebar.ts" },
    output: { path: path.resolve(__dirname, "dist/sheets-addon"), filename: "[name].js", clean: true },
    resolve: { extensions: [".ts", ".js"] },
    module: {
      rules: [
        { test: /\.ts$/, include: sidebarFiles, use: ts("sheets-sidebar", "sheets-addon/tsconfig.sidebar.json") },
        { test: /\.ts$/, exclude: [/node_modules/, ...sidebarFiles], use: ts("sheets-server", "sheets-addon/tsconfig.json") },
      ],
    },
    // Minifying strips the @customfunction JSDoc that Sheets reads for autocomplete. Scope hoisting
    // (concatenateModules) hides every module but the entry from gas-webpack-plugin, which then emits no
    // top-level PCN_* declarations (it only looks at a concatenated module's root).
    optimization: { minimize: false, concatenateModules: false },
    plugins: [
      new GasPlugin({ include: ["sheets-addon/**/*.ts"] }),
      // Top of Code.js, outside webpack's wrapper: Apps Script reads the annotation from the file's comments.
      new BannerPlugin({ banner: "/** @OnlyCurrentDoc */", raw: true, entryOnly: true, include: /^Code\.js$/ }),
      new CopyWebpackPlugin({ patterns: [{ from: "sheets-addon/appsscript.json", to: "appsscript.json" }] }),
      require("./sheets-addon/inline-sidebar.js"),
    ],
    performance: { hints: false },
  };
};

module.exports = [excel, sheets];
