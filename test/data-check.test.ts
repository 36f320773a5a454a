// The data file is checked in full before anything is written (issue #9, item 5): each bad file of the issue is
// refused with one line naming its JSON path, and no workbook is written or changed.
import ExcelJS from "exceljs";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeWorkbook } from "../cli/main";
import { validateNetwork } from "../core/workbook/data";
import { largeNetwork, sampleNetwork } from "../core/workbook/sample";
import { YEAR_LABELS } from "../core/rates/book";

const dir = mkdtempSync(join(tmpdir(), "pcn-data-"));
const today = "2026-03-01";
type Net = ReturnType<typeof sampleNetwork> & Record<string, any>;
const base = (): Net => {
  const d = JSON.parse(JSON.stringify(sampleNetwork("2025/26", today)));
  d.pcn.name = "Castlegate PCN";
  return d;
};
let n = 0;
/** Runs the command's build with this data into a new file: returns the refusal's lines, or [] if it built. */
async function refusal(data: unknown, out = join(dir, `out-${++n}.xlsx`)): Promise<string[]> {
  const file = join(dir, `data-${n}.json`);
  writeFileSync(file, JSON.stringify(data));
  const existed = existsSync(out);
  const before = existed ? readFileSync(out) : undefined;
  const err = await writeWorkbook({ out, data: file, sample: false, quiet: true, today }).then(() => null, (e: Error) => e.message);
  if (err === null) return [];
  // Nothing written: no new file, an old one byte for byte as it was.
  if (existed) expect(readFileSync(out).equals(before!)).toBe(true);
  else expect(existsSync(out)).toBe(false);
  expect(err.split("\n")[0]).toMatch(/^The network data in .* has (a problem|\d+ problems); nothing was written:$/);
  return err.split("\n").slice(1);
}

describe("bad data files are refused, one line per problem, nothing written", () => {
  it.each<[string, (d: Net) => void, string]>([
    ["a month that does not exist", (d) => { d.partnerships[0].start = "2025-13-01"; }, 'partnerships.0.start: "2025-13-01" is not a real date written yyyy-mm-dd (e.g. 2025-04-01)'],
    ["a day that does not exist", (d) => { d.arrsPosts[0].start = "2026-02-30"; }, 'arrsPosts.0.start: "2026-02-30" is not a real date written yyyy-mm-dd (e.g. 2025-04-01)'],
    ["a post that ends before it starts", (d) => { d.arrsPosts[1].end = "2025-03-31"; }, "arrsPosts.1.end: 2025-03-31 is before the start date 2025-04-01"],
    ["a partnership that ends before it starts", (d) => { d.partnerships[2].end = "2000-01-01"; }, `partnerships.2.end: 2000-01-01 is before the start date ${base().partnerships[2].start}`],
    ["an ARRS role not of the year", (d) => { d.arrsPosts[2].role = "Pharmacist"; }, 'arrsPosts.2.role: "Pharmacist" is not an ARRS role of 2025/26. Roles: "Clinical Pharmacist", "Pharmacy Technician"'],
    ["a share to a practice that does not exist", (d) => { d.arrsPosts[0].shares[1].practice = "Oakfeld Medical Centre"; }, 'arrsPosts.0.shares.1.practice: "Oakfeld Medical Centre" is not a practice in the data file'],
    ["a host practice that does not exist", (d) => { d.arrsPosts[3].hostPractice = "Riverside"; }, 'arrsPosts.3.hostPractice: "Riverside" is not a practice in the data file'],
    ["a KPI's partnership that does not exist", (d) => { d.kpis[0].partnership = "P-099"; }, 'kpis.0.partnership: "P-099" is not a partnership reference in the data file'],
    ["an IIF code with a typo", (d) => { d.iif[0].code = "CAN04"; }, 'iif.0.code: "CAN04" is not an IIF indicator of 2025/26. Indicators: CAN-04, HI-03'],
    ["shares that do not add to 100%", (d) => { d.arrsPosts[1].shares[1].share = 0.3; }, "arrsPosts.1.shares: the practices' shares add to 90%, not 100%"],
    ["a reference that is only spaces", (d) => { d.budget[0].ref = "   "; }, "budget.0.ref: is required (it is blank)"],
    ["a practice name that is only spaces", (d) => { d.practices.push({ ...d.practices[0], name: " \t " }); }, "practices.6.name: is required (it is blank)"],
    ["references that differ only in case and spaces", (d) => { d.budget[1].ref = " b-001 "; }, 'budget.1.ref: repeats the reference " b-001 "'],
    ["a control character", (d) => { d.partnerships[0].partner = "Riverbend\u0001Pharmacy"; }, "partnerships.0.partner: contains a control character (U+0001), which a spreadsheet cannot store as given: remove it"],
    ["U+FFFE", (d) => { d.kpis[1].measure = "Referrals \uFFFE"; }, "kpis.1.measure: contains a code that is not a character (U+FFFE), which a spreadsheet cannot store as given: remove it"],
    ["U+FFFF in an object nested deep", (d) => { d.partnerships[3].contacts.decisions = "\uFFFF"; }, "partnerships.3.contacts.decisions: contains a code that is not a character (U+FFFF)"],
    ["a carriage return", (d) => { d.pcn.icb = "North\r\nICB"; }, "pcn.icb: contains a carriage return (U+000D), which a spreadsheet cannot store as given: remove it (\\n alone starts a new line)"],
    ["half a character pair", (d) => { d.practices[0].odsCode = "X\uD800"; }, "practices.0.odsCode: contains half of a character pair (U+D800)"],
    ["a text longer than a cell holds", (d) => { d.partnerships[0].outcomes = "x".repeat(40000); }, "partnerships.0.outcomes: is 40,000 characters long, more than the 32,767 a spreadsheet cell holds"],
  ])("%s", async (_, edit, line) => {
    const d = base();
    edit(d);
    const lines = await refusal(d);
    expect(lines.some((l) => l.startsWith(line)), `${lines.join("\n")}\n(wanted) ${line}`).toBe(true);
  });

  it("all problems of a file at once, each on its line, over an existing workbook left as it was", async () => {
    const out = join(dir, "existing.xlsx");
    expect(await refusal(base(), out)).toEqual([]);
    const d = base();
    d.partnerships[0].start = "2025-13-01";
    d.arrsPosts[2].role = "Wizard";
    d.practices[0].registered = -5; // a schema problem does not hide the others
    d.kpis[0].partnership = "P-404";
    const lines = await refusal(d, out);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^partnerships\.0\.start: /), expect.stringMatching(/^arrsPosts\.2\.role: /),
      expect.stringMatching(/^practices\.0\.registered: cannot be negative/), expect.stringMatching(/^kpis\.0\.partnership: /),
    ]));
    expect(lines).toHaveLength(4);
  });

  it("accepts an IIF code in another case and an ARRS role in another case, spelt as the year spells them", async () => {
    const d = base();
    d.iif[0].code = "can-04";
    d.arrsPosts[0].role = "clinical PHARMACIST";
    const v = validateNetwork(d);
    expect(v.ok && [v.data.iif[0].code, v.data.arrsPosts[0].role]).toEqual(["CAN-04", "Clinical Pharmacist"]);
    const out = join(dir, "case.xlsx");
    expect(await refusal(d, out)).toEqual([]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    expect((wb.getWorksheet("IIF")!.getColumn(1).values as unknown[]).filter((v) => v === "CAN-04")).toHaveLength(1);
  });

  it("names what the workbook already holds: its practices, partnerships and a commissioner-approved role on ARRS Rates", async () => {
    const out = join(dir, "held.xlsx");
    expect(await refusal(base(), out)).toEqual([]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const rates = wb.getWorksheet("ARRS Rates")!;
    rates.getCell(rates.actualRowCount + 1, 1).value = "Approved Community Role";
    rates.getCell(rates.actualRowCount, 3).value = "national";
    await wb.xlsx.writeFile(out);
    const d = base();
    d.practices = d.practices.slice(0, 3); // the others are in the workbook already
    d.partnerships = [];
    d.kpis = d.kpis.map((k) => ({ ...k }));
    d.arrsPosts[0].role = "Approved Community Role";
    expect(await refusal(d, out)).toEqual([]);
    // Into a new workbook the same file is refused: nothing holds those names there.
    const lines = await refusal(d);
    expect(lines.some((l) => /^arrsPosts\.0\.role: "Approved Community Role" is not an ARRS role/.test(l))).toBe(true);
    expect(lines.some((l) => /^kpis\.0\.partnership: "P-001" is not a partnership reference in the data file$/.test(l))).toBe(true);
  });

  it("the example file, the sample and the benchmark network are valid data files for every year they are built for", () => {
    const example = JSON.parse(readFileSync(join(__dirname, "..", "examples", "network.json"), "utf8"));
    expect(validateNetwork(example)).toMatchObject({ ok: true });
    for (const y of YEAR_LABELS) {
      for (const d of [sampleNetwork(y, today), largeNetwork(0.05, y)]) {
        const v = validateNetwork(JSON.parse(JSON.stringify(d)));
        expect(v.ok ? [] : v.errors.slice(0, 3), y).toEqual([]);
      }
    }
  });
});
