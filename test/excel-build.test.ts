/**
 * Tests the BUILT Excel add-in (webpack production build of the `excel` config, into a scratch folder with a
 * custom PCN_ADDIN_URL): the manifest, functions.json, and functions.js run in node:vm with a fake
 * CustomFunctions global.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../core/functions/catalogue";

const root = resolve(__dirname, "..");
const out = join(root, ".test-tmp", `excel-dist-${process.pid}`);
const BASE = "https://pcn.example.org/addin";

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, [join(root, "node_modules/webpack-cli/bin/cli.js"), "--mode", "production", "--config-name", "excel", "--output-path", out], {
    cwd: root,
    env: { ...process.env, PCN_ADDIN_URL: `${BASE}/` },
    stdio: "pipe",
    timeout: 300_000,
  });
}, 300_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

// ---------------------------------------------------------------- a small XML reader (elements, attributes, text)

interface El { name: string; attrs: Record<string, string>; children: El[]; text: string }
function parseXml(xml: string): El {
  const src = xml.replace(/<\?[\s\S]*?\?>/g, "").replace(/<!--[\s\S]*?-->/g, "");
  const rootEl: El = { name: "#root", attrs: {}, children: [], text: "" };
  const stack = [rootEl];
  const re = /<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) {
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) { top.text += m[5].trim(); continue; }
    if (m[1]) {
      if (top.name !== m[2]) throw new Error(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]] = a[2].replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    const el: El = { name: m[2], attrs, children: [], text: "" };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  return rootEl.children[0];
}
const all = (el: El, name: string): El[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
const one = (el: El, path: string): El => {
  let cur = el;
  for (const part of path.split("/")) {
    const next = cur.children.find((c) => c.name === part);
    if (!next) throw new Error(`no ${part} under ${cur.name} (path ${path})`);
    cur = next;
  }
  return cur;
};

describe("built manifest.xml", () => {
  let m: El;
  let resources: Map<string, string>;
  const res = (id: string) => {
    const v = resources.get(id);
    if (v === undefined) throw new Error(`resid ${id} is not in Resources`);
    return v;
  };
  beforeAll(() => {
    m = parseXml(readFileSync(join(out, "manifest.xml"), "utf8"));
    resources = new Map(
      ["bt:Image", "bt:Url", "bt:String"].flatMap((n) => all(one(m, "VersionOverrides/Resources"), n).map((e) => [e.attrs.id, e.attrs.DefaultValue] as const)),
    );
  });

  it("is a task pane add-in for Excel with a shared runtime and custom functions", () => {
    expect(m.name).toBe("OfficeApp");
    expect(m.attrs["xsi:type"]).toBe("TaskPaneApp");
    expect(one(m, "Id").text).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(one(m, "Hosts").children.map((h) => h.attrs.Name)).toEqual(["Workbook"]);
    const sets = Object.fromEntries(all(one(m, "Requirements"), "Set").map((s) => [s.attrs.Name, s.attrs.MinVersion]));
    // CustomFunctions.Error inside a result matrix needs CustomFunctionsRuntime 1.2.
    expect(sets).toEqual({ SharedRuntime: "1.1", CustomFunctionsRuntime: "1.2", ExcelApi: "1.8" });
    expect(one(m, "Permissions").text).toBe("ReadWriteDocument");
    expect(one(m, "DefaultSettings/SourceLocation").attrs.DefaultValue).toBe(`${BASE}/taskpane.html`);

    const host = one(m, "VersionOverrides/Hosts/Host");
    expect(host.attrs["xsi:type"]).toBe("Workbook");
    const runtime = one(host, "Runtimes/Runtime");
    expect(runtime.attrs).toEqual({ resid: "Taskpane.Url", lifetime: "long" });
    expect(res("Taskpane.Url")).toBe(`${BASE}/taskpane.html`);

    const cf = one(host, "AllFormFactors/ExtensionPoint");
    expect(cf.attrs["xsi:type"]).toBe("CustomFunctions");
    expect(res(one(cf, "Script/SourceLocation").attrs.resid)).toBe(`${BASE}/functions.js`);
    // Shared runtime: the functions' page is the task pane's page.
    expect(one(cf, "Page/SourceLocation").attrs.resid).toBe("Taskpane.Url");
    expect(res(one(cf, "Metadata/SourceLocation").attrs.resid)).toBe(`${BASE}/functions.json`);
    expect(res(one(cf, "Namespace").attrs.resid)).toBe("PCN");

    const desktop = one(host, "DesktopFormFactor");
    expect(one(desktop, "FunctionFile").attrs.resid).toBe("Taskpane.Url");
    expect(res(one(desktop, "GetStarted/Title").attrs.resid)).toBeTruthy();
    const button = all(desktop, "Control")[0];
    expect(res(one(button, "Label").attrs.resid)).toBe("PCN Toolkit");
    const action = one(button, "Action");
    expect(action.attrs["xsi:type"]).toBe("ShowTaskpane");
    expect(one(action, "SourceLocation").attrs.resid).toBe("Taskpane.Url");
  });

  it("resolves every resid, keeps them to 32 characters, and has every URL https under the configured base", () => {
    const walk = (e: El): El[] => [e, ...e.children.flatMap(walk)];
    const els = walk(m);
    for (const e of els) if (e.attrs.resid) { expect(e.attrs.resid.length).toBeLessThanOrEqual(32); res(e.attrs.resid); }
    const urls = [
      // Namespace declarations are names, not places to fetch.
      ...els.flatMap((e) => Object.entries(e.attrs).filter(([k]) => k !== "xmlns" && !k.startsWith("xmlns:")).map(([, v]) => v)).filter((v) => /^[a-z]+:\/\//i.test(v)),
      ...[...resources.values()].filter((v) => /:\/\//.test(v)),
    ];
    expect(urls.length).toBeGreaterThan(8);
    for (const u of urls) expect(u.startsWith(`${BASE}/`), u).toBe(true);
    // ...and each points at a file the build produced.
    for (const u of new Set(urls)) expect(existsSync(join(out, u.slice(BASE.length + 1))), u).toBe(true);
    expect(readFileSync(join(out, "manifest.xml"), "utf8")).not.toContain("localhost");
  });
});

describe("built taskpane.html", () => {
  it("loads Office.js from Microsoft's CDN, then functions.js and taskpane.js, under a strict CSP", () => {
    const html = readFileSync(join(out, "taskpane.html"), "utf8");
    const csp = html.match(/http-equiv="?Content-Security-Policy"?\s+content="([^"]+)"/)![1];
    expect(csp).toContain("script-src 'self' https://appsforoffice.microsoft.com");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    const scripts = [...html.matchAll(/<script[^>]*src="?([^" >]+)/g)].map((x) => x[1]);
    expect(scripts).toEqual(["https://appsforoffice.microsoft.com/lib/1/hosted/office.js", "functions.js", "taskpane.js"]);
    expect(html).toMatch(/<div id="?app"?>/);
  });
});

describe("built functions.json", () => {
  it("lists every catalogue function with its description and parameters", () => {
    const meta = JSON.parse(readFileSync(join(out, "functions.json"), "utf8")) as { functions: { id: string; name: string; description: string; parameters: { name: string; description: string; optional?: boolean }[] }[] };
    const byId = new Map(meta.functions.map((f) => [f.id, f]));
    expect(meta.functions).toHaveLength(CATALOGUE.length);
    for (const spec of CATALOGUE) {
      const f = byId.get(spec.name);
      expect(f, spec.name).toBeDefined();
      expect(f!.name).toBe(spec.name);
      expect(f!.description).toBe(spec.description);
      expect(f!.parameters.map((p) => p.name)).toEqual(spec.params.map((p) => p.name));
      for (const [i, p] of f!.parameters.entries()) {
        expect(p.description, `${spec.name}.${p.name}`).toBeTruthy();
        expect(!!p.optional, `${spec.name}.${p.name}`).toBe(!!spec.params[i].optional);
      }
    }
  });
});

describe("built functions.js in node:vm", () => {
  class CfError {
    constructor(public code: string, public message?: string) {}
  }
  const associated = new Map<string, (...args: unknown[]) => unknown>();
  beforeAll(() => {
    const sandbox: Record<string, unknown> = {
      CustomFunctions: {
        associate: (id: string | Record<string, (...a: unknown[]) => unknown>, fn?: (...a: unknown[]) => unknown) => {
          if (typeof id === "string") associated.set(id, fn!);
          else for (const [k, f] of Object.entries(id)) associated.set(k, f);
        },
        Error: CfError,
        ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!", invalidNumber: "#NUM!", nullReference: "#NULL!", invalidName: "#NAME?", invalidReference: "#REF!" },
      },
      console,
    };
    sandbox.window = sandbox;
    sandbox.self = sandbox;
    vm.createContext(sandbox);
    vm.runInContext(readFileSync(join(out, "functions.js"), "utf8"), sandbox, { filename: "functions.js" });
  });
  const call = (name: string, ...args: unknown[]) => JSON.parse(JSON.stringify(associated.get(name)!(...args)));

  it("associates every catalogue function", () => {
    expect([...associated.keys()].sort()).toEqual(CATALOGUE.map((f) => f.name).sort());
  });

  it("computes the worked examples", () => {
    expect(call("ARRS_ALLOCATION", [[30000]], [["2025/26"]])).toEqual([[798930]]);
    expect(call("IIF_ACHIEVEMENT", [[600]], [[1000]], [[200]])).toEqual([[0.75]]);
  });

  it("answers a column of 1,000 inputs in one call", () => {
    const column = Array.from({ length: 1000 }, (_, i) => [1000 + i * 10]);
    const out1 = associated.get("ARRS_ALLOCATION")!(column, [["2025/26"]]) as unknown[][];
    expect(out1).toHaveLength(1000);
    expect(out1.every((r) => r.length === 1 && typeof r[0] === "number")).toBe(true);
    expect(out1[0][0]).toBeCloseTo((798930 / 30000) * 1000, 2);
  });

  it("gives a CustomFunctions.Error that says what is wrong for a negative WTE", () => {
    let got: unknown;
    try {
      got = associated.get("ARRS_CLAIM")!([["Clinical Pharmacist"]], [[70000]], [[-0.5]], [[12]], [["2025-06-01"]]);
    } catch (e) {
      got = e;
    }
    const err = (Array.isArray(got) ? (got as unknown[][])[0][0] : got) as CfError;
    expect(err).toBeInstanceOf(CfError);
    expect(err.code).toBe("#VALUE!");
    expect(err.message).toMatch(/wte|whole-time|negative|0 or more/i);
  });
});
