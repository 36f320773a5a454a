// "Check register" on the network development sheets (issue #11): overdue meeting actions, Belbin roles nobody
// covers, the board's representation, agreement items not agreed, priorities' reviews, key dates within 30 days;
// each at its row, and each gone once a person fixes what it reports. Expected figures are from the sample's dates.
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { checkRegister } from "../core/workbook/build";
import { open, rebuild, snapshotOf } from "./offline";

const today = "2026-12-01";

// The sample as the offline command writes it, opened in exceljs where a test edits it as a person would.
let sample: Buffer | undefined;
async function built(): Promise<ExcelJS.Workbook> {
  sample ??= (await rebuild(null, { sample: true, today })).file;
  return open(sample);
}
/** What the shipped reader sees in the workbook once exceljs has saved it. */
const snap = async (wb: ExcelJS.Workbook) => snapshotOf(Buffer.from(await wb.xlsx.writeBuffer()));
/** The 1-based column of a header on a list sheet. */
const colOf = (ws: ExcelJS.Worksheet, header: string) => {
  const i = (ws.getRow(1).values as unknown[]).findIndex((v) => v === header);
  expect(i, header).toBeGreaterThan(0);
  return i;
};
/** The 1-based row whose first cell is `ref`. */
const rowOf = (ws: ExcelJS.Worksheet, ref: string) => {
  let at = -1;
  ws.eachRow((r, i) => { if (r.getCell(1).value === ref) at = i; });
  expect(at, ref).toBeGreaterThan(1);
  return at;
};
const serial = (iso: string) => (Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86400000;

describe("check register: building the network", () => {
  it("reports overdue and soon-due actions, at their rows, red past two weeks", async () => {
    const wb = await built();
    const f = checkRegister(await snap(wb), today);
    const acts = wb.getWorksheet("Meeting Actions")!;
    // ACT-002 was due 2 October 2026: 60 days before 1 December.
    expect(f.find((x) => x.ref === "ACT-002")).toMatchObject({ severity: "red", sheet: "Meeting Actions", row: rowOf(acts, "ACT-002"), col: colOf(acts, "Due"), message: "Action overdue since 02/10/2026 (60 days; Priya Shah): Agree the referral pathway for raised blood pressure from pharmacies" });
    expect(f.find((x) => x.ref === "ACT-003")).toMatchObject({ severity: "amber", message: expect.stringMatching(/^Action overdue since 21\/11\/2026 \(10 days; Gareth Price\)/) });
    expect(f.find((x) => x.ref === "ACT-004")).toMatchObject({ severity: "amber", message: expect.stringMatching(/^Action due in 5 days, 06\/12\/2026 \(Dr Helen Marsh\)/) });
    // A person marks ACT-002 done, and moves ACT-003's due date on: neither is reported.
    acts.getCell(rowOf(acts, "ACT-002"), colOf(acts, "Status")).value = "Done";
    acts.getCell(rowOf(acts, "ACT-003"), colOf(acts, "Due")).value = new Date(Date.UTC(2027, 1, 1));
    const after = checkRegister(await snap(wb), today);
    expect(after.filter((x) => x.ref === "ACT-002" || x.ref === "ACT-003")).toEqual([]);
  });

  it("reports the Belbin roles nobody covers and whom the board leaves out, until a person adds them", async () => {
    const wb = await built();
    const f = checkRegister(await snap(wb), today).filter((x) => x.sheet === "Board");
    // The sample's board covers eight of the nine roles; no community pharmacist; Oak Lane Surgery unrepresented.
    expect(f.map((x) => x.message)).toEqual([
      "Belbin team roles nobody on the board covers: Resource Investigator.",
      "No community pharmacy representative on the board.",
      "1 of 6 member practices have no one on the board.",
    ]);
    const board = wb.getWorksheet("Board")!;
    let r = 2;
    while (board.getCell(r, 1).value) r++;
    const set = (row: number, header: string, v: string) => (board.getCell(row, colOf(board, header)).value = v);
    set(r, "Name", "Kemi Adebayo");
    set(r, "Represents", "Community pharmacy");
    set(r, "Practice or organisation", "Riverbend Pharmacy");
    set(r, "Belbin role (strongest)", "Resource Investigator");
    const practices = wb.getWorksheet("Practices")!;
    const names: string[] = [];
    practices.eachRow((row, i) => { if (i > 1 && typeof row.getCell(1).value === "string") names.push(String(row.getCell(1).value)); });
    const onBoard = new Set<string>();
    board.eachRow((row, i) => { if (i > 1 && row.getCell(colOf(board, "Represents")).value === "Member practice") onBoard.add(String(row.getCell(colOf(board, "Practice or organisation")).value)); });
    const missing = names.filter((n) => !onBoard.has(n));
    expect(missing).toHaveLength(1);
    set(r + 1, "Name", "Dr Nia Evans");
    set(r + 1, "Represents", "Member practice");
    set(r + 1, "Practice or organisation", missing[0]);
    set(r + 1, "Belbin role (strongest)", "Plant");
    expect(checkRegister(await snap(wb), today).filter((x) => x.sheet === "Board")).toEqual([]);
  });

  it("reports agreement items not agreed or past review, and priorities past review; not once agreed and reviewed", async () => {
    const wb = await built();
    const f = checkRegister(await snap(wb), today);
    const ag = wb.getWorksheet("Network Agreement")!;
    const agreement = f.filter((x) => x.sheet === "Network Agreement" && x.severity === "amber");
    expect(agreement.map((x) => `${x.ref}: ${x.message}`)).toEqual([
      "Workforce and HR policies: Network agreement item not agreed (in progress).",
      "Data sharing: Network agreement item due for review since 01/11/2026.",
      "Dispute resolution: Network agreement item not agreed (not started).",
      "Premises: Network agreement item not agreed (in progress).",
    ]);
    for (const x of agreement) expect(ag.getCell(x.row, 1).value).toBe(x.ref);
    expect(f.find((x) => x.ref === "PR-02")).toMatchObject({ severity: "amber", sheet: "Priorities", message: "Priority review was due on 25/11/2026: Hypertension case finding with community pharmacies" });
    // Everything agreed, reviewed next year; the priority reviewed and its next review set.
    ag.eachRow((row, i) => {
      if (i === 1 || !row.getCell(1).value) return;
      row.getCell(colOf(ag, "Status")).value = "Agreed";
      row.getCell(colOf(ag, "Review date")).value = new Date(Date.UTC(2027, 5, 1));
    });
    const pr = wb.getWorksheet("Priorities")!;
    pr.getCell(rowOf(pr, "PR-02"), colOf(pr, "Review date")).value = new Date(Date.UTC(2027, 2, 1));
    const after = checkRegister(await snap(wb), today);
    expect(after.filter((x) => x.sheet === "Network Agreement" || x.ref === "PR-02")).toEqual([]);
  });

  it("reports key dates within 30 days (not 31), from the Key Dates sheet and from the records", async () => {
    const f = checkRegister(await snap(await built()), today);
    // November's ARRS claim: the end of December when no cut-off day is set, 30 days on.
    expect(f.find((x) => x.message.startsWith("ARRS claim for Nov 2026"))).toMatchObject({ severity: "info", sheet: "Key Dates", message: "ARRS claim for Nov 2026 (monthly, in arrears): 31/12/2026, in 30 days." });
    expect(f.some((x) => x.message.startsWith("ARRS claim for Dec 2026"))).toBe(false);
    expect(f.find((x) => x.ref === "M-04")).toMatchObject({ sheet: "Meetings", message: "Meeting: PCN board review: 21/12/2026, in 20 days." });
    expect(f.find((x) => x.ref === "Finances and money flow")).toMatchObject({ sheet: "Network Agreement", message: "Network agreement review: Finances and money flow: 21/12/2026, in 20 days." });
    // Every key-date finding is within 30 days of today by its own date.
    for (const x of f.filter((y) => /: \d\d\/\d\d\/\d{4}, (today|tomorrow|in \d+ days)\.$/.test(y.message))) {
      const [d, m, y] = /(\d\d)\/(\d\d)\/(\d{4}), /.exec(x.message)!.slice(1);
      const days = serial(`${y}-${m}-${d}`) - serial(today);
      expect(days, x.message).toBeGreaterThanOrEqual(0);
      expect(days, x.message).toBeLessThanOrEqual(30);
    }
  });
});
