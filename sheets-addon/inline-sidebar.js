// Webpack plugin (an instance): Apps Script serves HtmlService.createHtmlOutputFromFile("Sidebar"), one file
// with no separate script to fetch, so the sidebar bundle is inlined into Sidebar.html and sidebar.js dropped.
const fs = require("fs");
const path = require("path");
const { Compilation, sources } = require("webpack");

const TEMPLATE = path.resolve(__dirname, "sidebar.html");
const MARKER = "<!--PCN_SIDEBAR_SCRIPT-->";
const NAME = "InlineSidebarPlugin";

/** "</script" or "<!--" inside the code would end or confuse the inline script element. */
function escapeInlineScript(js) {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

class InlineSidebarPlugin {
  constructor({ script = "sidebar.js", output = "Sidebar.html", template = TEMPLATE } = {}) {
    Object.assign(this, { script, output, template });
  }

  apply(compiler) {
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      compilation.fileDependencies.add(this.template);
      compilation.hooks.processAssets.tap({ name: NAME, stage: Compilation.PROCESS_ASSETS_STAGE_OPTIMIZE_INLINE }, () => {
        const asset = compilation.getAsset(this.script);
        if (!asset) {
          compilation.errors.push(new Error(`${NAME}: no ${this.script} in the build to inline`));
          return;
        }
        const html = fs.readFileSync(this.template, "utf8");
        if (!html.includes(MARKER)) {
          compilation.errors.push(new Error(`${NAME}: ${this.template} has no ${MARKER} marker`));
          return;
        }
        const js = escapeInlineScript(asset.source.source().toString());
        const out = html.replace(MARKER, () => `<script>\n${js}\n</script>`);
        compilation.emitAsset(this.output, new sources.RawSource(out));
        compilation.deleteAsset(this.script);
      });
    });
  }
}

module.exports = new InlineSidebarPlugin();
module.exports.InlineSidebarPlugin = InlineSidebarPlugin;
module.exports.escapeInlineScript = escapeInlineScript;
