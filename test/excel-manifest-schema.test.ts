/**
 * The built add-in against Microsoft's schemas, offline: manifest.xml against the add-in manifest XSDs
 * (test/fixtures/office-manifest-xsd, with xmllint from Debian's libxml2-utils), functions.json against the custom
 * functions metadata schema (test/fixtures/custom-functions.schema.json, with ajv). Each check is shown to fail on a
 * manifest or metadata that breaks the schema, so a pass means something.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtTarget, removeBuilt } from "./browser/webpack";

const XSD = join(__dirname, "fixtures", "office-manifest-xsd", "OfficeAppManifestV1_1.xsd");
const tmp = mkdtempSync(join(tmpdir(), "pcn-manifest-"));
let dir = "";
beforeAll(async () => {
  dir = await builtTarget("excel", "dist/excel-addin", "manifest.xml");
}, 180_000);
afterAll(() => {
  removeBuilt(dir);
  rmSync(tmp, { recursive: true, force: true });
});

/** xmllint's verdict on a manifest: its output, and whether it validates. */
function xmllint(xml: string): { ok: boolean; out: string } {
  const file = join(tmp, `m${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  try {
    const out = execFileSync("xmllint", ["--noout", "--schema", XSD, file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, out };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

describe("built manifest.xml against Microsoft's XML schemas", () => {
  it("validates", () => {
    const r = xmllint(readFileSync(join(dir, "manifest.xml"), "utf8"));
    expect(r.out).not.toMatch(/error/i);
    expect(r.ok).toBe(true);
  });

  it("has a SupportUrl, and the schema refuses one out of place or a manifest without an Id", () => {
    const xml = readFileSync(join(dir, "manifest.xml"), "utf8");
    expect(xml).toMatch(/<SupportUrl DefaultValue="https:\/\/[^"]+\/support\.html"\/>/);
    const moved = xml.replace(/\s*<SupportUrl[^>]*\/>/, "").replace("</Hosts>", "</Hosts>\n  <SupportUrl DefaultValue=\"https://x.test/s\"/>");
    expect(xmllint(moved).ok).toBe(false);
    expect(xmllint(xml.replace(/<Id>[^<]*<\/Id>/, "")).ok).toBe(false);
    expect(xmllint(xml.replace('lifetime="long"', 'lifetime="forever"')).ok).toBe(false);
  });
});

describe("built functions.json against the custom functions metadata schema", () => {
  const schema = JSON.parse(readFileSync(join(__dirname, "fixtures", "custom-functions.schema.json"), "utf8"));
  const validate = new Ajv({ allErrors: true }).compile(schema);

  it("validates", () => {
    const meta = JSON.parse(readFileSync(join(dir, "functions.json"), "utf8"));
    const ok = validate(meta);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(meta.functions.length).toBeGreaterThan(5);
  });

  it("refuses metadata that breaks it", () => {
    const meta = JSON.parse(readFileSync(join(dir, "functions.json"), "utf8"));
    const bad = JSON.parse(JSON.stringify(meta));
    bad.functions[0].id = "ARRS CLAIM";
    expect(validate(bad)).toBe(false);
    const noResult = JSON.parse(JSON.stringify(meta));
    delete noResult.functions[0].result;
    expect(validate(noResult)).toBe(false);
    const badType = JSON.parse(JSON.stringify(meta));
    badType.functions[0].parameters[0].type = "date";
    expect(validate(badType)).toBe(false);
  });
});
