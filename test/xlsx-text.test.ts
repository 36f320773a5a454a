// Text round-trips exactly through the offline writer and reader: control characters, U+FFFE/U+FFFF, lone
// surrogates, carriage returns and literal `_xHHHH_` sequences are stored so that every XML part stays valid
// (the file opens in LibreOffice, and the command rebuilds its own file) and read back as given.
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readWorkbookBuffer } from "../cli/workbookFile";
import { xattr, xstring, unescapeXml, unescapeXstring } from "../cli/xlsx/xml";
import { ZipReader } from "../cli/xlsx/zip";
import { sampleNetwork } from "../core/workbook/sample";
import { disposeLibreOffice } from "./engines/libreoffice";
import { libreOffice } from "./engines/libreofficeEdits";
import { rebuild, snapshotOf } from "./offline";
import { writeFileSync } from "node:fs";

const HOSTILE = [
  "bell\u0007 and null\u0000 inside",
  "line one\r\nline two\rline three\nend",
  "literal _x0041_ and _x005F_ and _X0041_ and _x00ZZ_",
  "not characters: \uFFFE \uFFFF",
  "lone surrogates: \uD800 and \uDC00, a pair: \uD83D\uDE00",
  "  leading and trailing spaces  ",
  "tab\there & <tags> \"quotes\" 'apostrophes'",
  "=HYPERLINK(\"http://x\",\"y\")",
];

/** Every character of every XML part is one XML 1.0 allows, also after decoding character references. */
function assertXmlCharacters(file: Buffer) {
  const zip = new ZipReader(file, "test");
  for (const name of zip.order.filter((n) => /\.(xml|rels|vml)$/.test(n))) {
    const xml = zip.text(name);
    const decoded = xml.replace(/&#(x[0-9a-fA-F]+|\d+);/g, (_, n: string) => String.fromCodePoint(n[0] === "x" ? parseInt(n.slice(1), 16) : Number(n)));
    const bad = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(decoded);
    expect(bad, `${name} holds U+${bad?.[0].charCodeAt(0).toString(16)}`).toBeNull();
  }
}

const codeUnits = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0x0d, 0x5f, 0xfffe, 0xffff, 0xd800, 0xdc00)), { maxLength: 30 })
  .map((cs) => String.fromCharCode(...cs));
const withEscapes = fc.tuple(codeUnits, fc.constantFrom("_x0041_", "_x005F_", "_x000D_", "_xFFFF_", "_x", "x0041_"), codeUnits).map(([a, b, c]) => a + b + c);

describe("the escaping layers", () => {
  it("any string survives ST_Xstring element text and attributes, and the XML holds only legal characters", () => {
    fc.assert(fc.property(fc.oneof(codeUnits, withEscapes), (s) => {
      const el = xstring(s);
      const at = xattr(s);
      expect(unescapeXstring(el)).toBe(s);
      expect(unescapeXstring(at)).toBe(s);
      const ents = /&(amp|lt|gt|quot|#9|#10);/g;
      const illegal = /[\u0000-\u0008\u000B-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
      expect(illegal.test(el) || /[<&]/.test(el.replace(ents, ""))).toBe(false);
      expect(illegal.test(at) || /[\t\n<&"]/.test(at.replace(ents, ""))).toBe(false);
    }), { numRuns: 500 });
  });

  it("stores what Excel stores: a literal _x0041_ as _x005F_x0041_, a CR as _x000D_", () => {
    expect(xstring("_x0041_")).toBe("_x005F_x0041_");
    expect(xstring("a\rb")).toBe("a_x000D_b");
    expect(unescapeXml("&#13;&amp;")).toBe("\r&");
  });
});

describe("hostile text in a data file", () => {
  const dir = mkdtempSync(join(tmpdir(), "pcn-text-"));
  afterAll(async () => { await disposeLibreOffice(); rmSync(dir, { recursive: true, force: true }); });

  const data = () => {
    const d = sampleNetwork("2025/26", "2026-03-01") as any;
    HOSTILE.forEach((t, i) => { d.partnerships[i].service = t; d.partnerships[i].outcomes = `${t} (${i})`; });
    d.kpis[0].measure = "KPI with \u0001 control and \r return";
    return d;
  };

  it("is written as valid XML, read back exactly, rebuilt from its own file, and shown by LibreOffice as given", async () => {
    const first = await rebuild(null, { data: data(), today: "2026-03-01" });
    assertXmlCharacters(first.file);
    const cells = (file: Buffer) => snapshotOf(file).sheets.find((s) => s.name === "Partnerships")!.values;
    const p = cells(first.file);
    const col = p[0].indexOf("Service provided");
    const outcomes = p[0].indexOf("Outcomes sought");
    HOSTILE.forEach((t, i) => {
      expect(p[i + 1][col], JSON.stringify(t)).toBe(t);
      expect(p[i + 1][outcomes]).toBe(`${t} (${i})`);
    });
    // The command rebuilds its own file (it used to call it unreadable), and the text is unchanged.
    const second = await rebuild(first.file, { data: data(), today: "2026-03-01" });
    assertXmlCharacters(second.file);
    const p2 = cells(second.file);
    HOSTILE.forEach((t, i) => expect(p2[i + 1][col]).toBe(t));
    // LibreOffice opens it (Excel's reader has the same rules for these escapes) and reads the same strings,
    // except that LibreOffice itself keeps no carriage return in a cell (it shows a line break there).
    const path = join(dir, "hostile.xlsx");
    writeFileSync(path, second.file);
    const letter = String.fromCharCode(65 + col);
    const [lo] = await libreOffice([{ file: path, queries: HOSTILE.map((_, i) => ({ q: "string" as const, sheet: "Partnerships", cell: `${letter}${i + 2}` })) }]);
    HOSTILE.forEach((t, i) => expect(lo.answers[i], JSON.stringify(t)).toBe(t.replace(/\r\n?/g, "\n")));
  });

  it("a KPI name with a control character still makes its chart: the series name keeps it, the title leaves it out", async () => {
    const { file } = await rebuild(null, { data: data(), today: "2026-03-01" });
    const zip = new ZipReader(file, "test");
    const charts = zip.order.filter((n) => /^xl\/charts\/chart\d+\.xml$/.test(n)).map((n) => zip.text(n));
    const mine = charts.find((c) => c.includes("KPI with"))!;
    expect(mine).toContain("<c:v>KPI with _x0001_ control and _x000D_ return</c:v>");
    expect(mine).toContain("<a:t>KPI with  control and &#13; return</a:t>");
    expect(readWorkbookBuffer(file).snapshot.sheets.find((s) => s.name === "KPIs")!.values[1][1]).toBe("KPI with \u0001 control and \r return");
  });
});
