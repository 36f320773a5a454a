// webpack-dev-server `server` option for `npm start`: the Office dev certificate when the person has installed
// it (`npx office-addin-dev-certs install` writes ~/.office-addin-dev-certs), so Office trusts localhost;
// otherwise webpack-dev-server's own self-signed certificate (fine for curl -k and browser tests, not for Office).
const fs = require("fs");
const os = require("os");
const path = require("path");

module.exports = function devServerHttps(dir = path.join(os.homedir(), ".office-addin-dev-certs")) {
  const file = (name) => path.join(dir, name);
  if (fs.existsSync(file("localhost.crt")) && fs.existsSync(file("localhost.key"))) {
    const options = { cert: fs.readFileSync(file("localhost.crt")), key: fs.readFileSync(file("localhost.key")) };
    if (fs.existsSync(file("ca.crt"))) options.ca = fs.readFileSync(file("ca.crt"));
    return { type: "https", options };
  }
  return "https";
};
