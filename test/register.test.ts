// "Check register" on the sample network: what a PCN manager must act on, with rows to jump to.
import { beforeAll, describe, expect, it } from "vitest";
import { checkRegister, readWorkbookState, SHEETS } from "../core/workbook/build";
import { REGISTER_CHECKS } from "../core/workbook/register";
import { edit, open, rebuild, snapshotOf } from "./offline";

const today = "2026-03-01";

// The sample workbook as the offline command writes it.
let file: Buffer;
beforeAll(async () => { file = (await rebuild(null, { sample: true, today })).file; });

describe("check register", () => {
  it("finds notice dates, reviews, governance and contact gaps, and ARRS problems, each pointing at its row", async () => {
    // A person lowers one practice's share of A-07 (55% -> 50%), so its shares no longer add to 100%.
    let edited = 0;
    const changed = await edit(file, (book) => {
      book.getWorksheet("ARRS Shares")!.eachRow((row) => { if (row.getCell(1).value === "A-07" && row.getCell(2).value === "Riverside Surgery") { row.getCell(3).value = 0.5; edited++; } });
    });
    expect(edited).toBe(1);
    const wb = await open(changed);
    const findings = checkRegister(snapshotOf(changed), today);
    const p = wb.getWorksheet("Partnerships")!;
    // The sample's tenth partnership reaches its notice date in 5 days: red, on its row.
    const soon = findings.find((f) => f.ref.startsWith("P-010 ") && /Notice date/.test(f.message))!;
    expect(soon).toMatchObject({ severity: "red", sheet: "Partnerships", row: 11, message: "Notice date 06/03/2026 is in 5 days." });
    expect(findings.find((f) => f.ref.startsWith("P-002 ") && /Notice date/.test(f.message))).toMatchObject({ severity: "amber", message: "Notice date 15/04/2026 is in 45 days." });
    // Overdue notice (the sample's ninth partnership passed its notice date 20 days ago).
    expect(findings.find((f) => f.ref.startsWith("P-009 ") && /has passed/.test(f.message))).toMatchObject({ severity: "red", message: "Notice date 09/02/2026 has passed (20 days ago)." });
    // Every finding's row holds the reference it names.
    for (const f of findings.filter((x) => x.sheet === "Partnerships")) expect(String(p.getCell(f.row, 1).value)).toBe(f.ref.split(" ")[0]);
    expect(findings.some((f) => /Governance not agreed: .*Clinical governance/.test(f.message))).toBe(true);
    expect(findings.some((f) => /No point of contact for: .*finance/.test(f.message))).toBe(true);
    expect(findings.some((f) => /Review was due on/.test(f.message))).toBe(true);
    // Every problem of a post, and the kind of maximum its claim uses.
    expect(findings.find((f) => f.ref === "A-07")).toMatchObject({ sheet: "ARRS Workforce", row: 8, message: "Practice shares add to 95%, not 100%; estimated maximum: confirm it against the DES or your ICB's claims portal" });
    expect(findings.find((f) => f.ref === "A-07" && f.sheet === "ARRS Shares")).toMatchObject({ message: "Shares of A-07 add to 95%, not 100%" });
    expect(findings.find((f) => f.ref === "ARRS")!.message).toMatch(/^£[\d,]+\.\d\d of the ARRS allocation is not committed/);
    // Red first.
    expect(findings.map((f) => f.severity)).toEqual([...findings.map((f) => f.severity)].sort((a, b) => ["red", "amber", "info"].indexOf(a) - ["red", "amber", "info"].indexOf(b)));
  });

  it("points at IIF indicators: patients still needed, and unknown points or thresholds", () => {
    const findings = checkRegister(snapshotOf(file), today);
    // CAN-04 in the sample: 168 of 236 with 9 PCAs; 80% of 227 eligible is 181.6, so 14 more patients.
    expect(findings.find((f) => f.ref === "CAN-04")).toMatchObject({ severity: "info", sheet: "IIF", row: 2, message: "14 more patients needed to reach the upper threshold (80%)." });
    expect(findings.find((f) => f.ref === "HI-03")).toMatchObject({ severity: "amber", sheet: "IIF", row: 3, message: expect.stringMatching(/not known/) });
  });

  it("reflects a person's edit: agreeing every governance item clears that finding", async () => {
    const before = checkRegister(snapshotOf(file), today).filter((f) => f.ref.startsWith("P-002 ") && /Governance/.test(f.message));
    expect(before).toHaveLength(1);
    const edited = await edit(file, (wb) => {
      const p = wb.getWorksheet("Partnerships")!;
      const headers = (p.getRow(1).values as unknown[]).map(String);
      const gov = headers.map((h, i) => [h, i] as const).filter(([h]) => ["Clinical governance", "Quality assurance", "Data protection and IG", "Intellectual property", "Confidentiality", "Training", "HR"].includes(h));
      for (const [, i] of gov) p.getCell(3, i).value = "Agreed";
    });
    expect(checkRegister(snapshotOf(edited), today).filter((f) => f.ref.startsWith("P-002 ") && /Governance/.test(f.message))).toHaveLength(0);
  });

  it("every finding lands on a sheet the pane says it checks, and names the field its column holds", async () => {
    const wb = await open(file);
    const findings = checkRegister(snapshotOf(file), today);
    expect(findings.length).toBeGreaterThan(10);
    const checked = new Set(REGISTER_CHECKS.flatMap((c) => c.sheets).map((k) => SHEETS.find((s) => s.key === k)!.title));
    for (const f of findings) expect(checked, f.sheet).toContain(f.sheet);
    // The field is what the person sees: the table's header above the cell, or the report row's label in column A.
    const withField = findings.filter((f) => f.col);
    expect(withField.length).toBeGreaterThan(0);
    for (const f of withField) {
      const ws = wb.getWorksheet(f.sheet)!;
      const header = String(ws.getCell(1, f.col!).value ?? "").trim();
      const label = String(ws.getCell(f.row, 1).value ?? "").trim();
      expect([header, label], `${f.sheet} row ${f.row} col ${f.col}`).toContain(f.field);
    }
    expect(withField.find((f) => f.sheet === "Partnerships" && /Notice date/.test(f.message))?.field).toBe("Notice date");
  });

  it("reads the workbook's year and practices for the pane", () => {
    const s = readWorkbookState(snapshotOf(file));
    expect(s.workbookYear).toBe("2025/26");
    expect(s.practices.map((p) => p.name)).toContain("Riverside Surgery");
    expect(s.practices[0]).toMatchObject({ registered: 9850, weighted: 10312.4 });
    expect(checkRegister({ sheets: [] })).toEqual([]);
  });
});
