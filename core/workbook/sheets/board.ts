/**
 * The PCN board: who sits on it, whom they represent (member practices, patients, community pharmacy, partners),
 * and their Belbin team roles, with the roles nobody on the board covers. Clinical directors are advised to think
 * about the team's Belbin roles and to give patients and community pharmacy a seat (seed 002, Pulse 2019).
 */
import { BELBIN_ROLES, BOARD_REPRESENTS } from "../lists";
import { colLetter } from "../plan";
import { COLOURS, FORMATS, type Env, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, checkF, checkList, countIf, eqText, fcell, inp, label, matchIn, str, type SpecCtx, checkRag } from "./common";

const B = "Board_";
/** Who a row represents, as COUNTIF matches it. */
const isPracticeRep = (v: Value | undefined) => eqText(v ?? null, "Member practice");

export const BOARD_BELBIN_FIRST_ROW = 6;

export function boardSpec(ctx: SpecCtx): SheetSpec {
  const cols = [
    inp("name", "Name", "text", { width: 22, name: "Name" }),
    inp("boardRole", "Role on the board", "text", { width: 24 }),
    inp("represents", "Represents", "choice", { choices: [...BOARD_REPRESENTS], width: 20, name: "Represents" }),
    inp("from", "Practice or organisation", "text", { width: 28, name: "From" }),
    inp("belbin", "Belbin role (strongest)", "choice", { choices: [...BELBIN_ROLES], width: 20, name: "Belbin1" }),
    inp("belbin2", "Belbin role (second)", "choice", { choices: [...BELBIN_ROLES], width: 20, name: "Belbin2" }),
    inp("voting", "Voting member", "yesno", { width: 9, name: "Voting" }),
    inp("notes", "Notes", "longtext", { width: 30 }),
  ];
  const L = (k: string) => colLetter(cols.findIndex((c) => c.key === k));
  // Counted once per practice: the first board row from a practice on the Practices sheet (boards are small, so
  // looking at the rows above each row costs little).
  const firstOfPractice = (r: RowValues, env: Env): number => {
    if (blank(r.name) || !isPracticeRep(r.represents) || matchIn(env.column("Practice_Name"), r.from ?? null) < 0) return 0;
    const rep = env.column(B + "Represents"), from = env.column(B + "From");
    const i = r.__index as number;
    for (let k = 0; k < i; k++) if (isPracticeRep(rep[k]) && !blank(from[k]) && eqText(from[k], String(r.from))) return 0;
    return 1;
  };
  const problems = (r: RowValues, env: Env): string[] => {
    const out: string[] = [];
    if (blank(r.represents)) out.push("Choose whom they represent");
    if (isPracticeRep(r.represents) && blank(r.from)) out.push("Enter their practice");
    else if (isPracticeRep(r.represents) && matchIn(env.column("Practice_Name"), r.from ?? null) < 0) out.push("Practice not on the Practices sheet");
    if (blank(r.belbin)) out.push("Add their strongest Belbin role (from their Belbin report)");
    if (!blank(r.belbin) && !blank(r.belbin2) && eqText(r.belbin2 ?? null, String(r.belbin))) out.push("The same Belbin role twice");
    return out;
  };
  const table = [
    ...cols,
    calc("practiceFirst", "Counts for a practice (helper)", "integer",
      (c) => {
        const above = (k: string) => `$${L(k)}$1:${L(k)}${c.row - 1}`;
        return `=IF(OR(${c.ref("name")}="",${c.ref("represents")}<>"Member practice",NOT(ISNUMBER(MATCH(${c.ref("from")},Practice_Name,0)))),0,IF(COUNTIFS(${above("represents")},"Member practice",${above("from")},${c.ref("from")})=0,1,0))`;
      },
      (r, env) => (blank(r.name) ? 0 : firstOfPractice(r, env)), { width: 11, name: "PracticeFirst" }),
    calc("check", "Check", "text",
      (c) => {
        const rep = c.ref("represents"), from = c.ref("from"), b1 = c.ref("belbin"), b2 = c.ref("belbin2");
        return checkF(c.ref("name"), [
          [`${rep}=""`, str("Choose whom they represent")],
          [`AND(${rep}="Member practice",${from}="")`, str("Enter their practice")],
          [`AND(${rep}="Member practice",${from}<>"",ISNA(MATCH(${from},Practice_Name,0)))`, str("Practice not on the Practices sheet")],
          [`${b1}=""`, str("Add their strongest Belbin role (from their Belbin report)")],
          [`AND(${b1}<>"",${b2}<>"",${b1}=${b2})`, str("The same Belbin role twice")],
        ]);
      },
      (r, env) => (blank(r.name) ? "" : problems(r, env).join("; ") || "OK"), { width: 36, name: "Check" }),
  ];
  const rows: RowValues[] = (ctx.data?.board ?? []).map((m) => ({
    name: m.name, boardRole: m.boardRole, represents: m.represents ?? null, from: m.from, belbin: m.belbin ?? null, belbin2: m.belbin2 ?? null, voting: m.voting, notes: m.notes,
  }));

  // ---- the report beside the table: representation, and the Belbin roles covered ----
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const count = (env: Env, col: string, what: string) => countIf(env.column(B + col), (v) => eqText(v, what));
  const practices = (env: Env) => countIf(env.column("Practice_Name"), (v) => typeof v === "string" && v.length > 0);
  const covered = (env: Env) => env.column(B + "PracticeFirst").reduce<number>((a, v) => a + (typeof v === "number" ? v : 0), 0);
  const roleCount = (env: Env, role: string) => count(env, "Belbin1", role) + count(env, "Belbin2", role);
  const R0 = table.length + 1;
  const at = (row: number, col: number) => `$${colLetter(R0 + col)}$${row + 1}`;
  const rep: (ReportCell | null)[][] = [
    [H("Board: whom it represents"), H("Members"), H("")],
    [label("Member practices with a board member"),
      fcell(`=SUM(${B}PracticeFirst)`, covered, { format: FORMATS.integer, name: "Board_PracticesCovered" }),
      fcell(`=IF(COUNTIF(Practice_Name,"?*")=0,"",IF(${at(1, 1)}>=COUNTIF(Practice_Name,"?*"),"Every practice on the Practices sheet",COUNTIF(Practice_Name,"?*")-${at(1, 1)}&" of "&COUNTIF(Practice_Name,"?*")&" practices have no board member"))`,
        (env) => { const n = practices(env), c = covered(env); return n === 0 ? "" : c >= n ? "Every practice on the Practices sheet" : `${n - c} of ${n} practices have no board member`; })],
    [label("Patient representatives"),
      fcell(`=COUNTIF(${B}Represents,"Patients")`, (env) => count(env, "Represents", "Patients"), { format: FORMATS.integer, name: "Board_Patients" }),
      fcell(`=IF(${at(2, 1)}=0,"None: patients have no voice on the board","")`, (env) => (count(env, "Represents", "Patients") === 0 ? "None: patients have no voice on the board" : ""))],
    [label("Community pharmacy representatives"),
      fcell(`=COUNTIF(${B}Represents,"Community pharmacy")`, (env) => count(env, "Represents", "Community pharmacy"), { format: FORMATS.integer, name: "Board_Pharmacy" }),
      fcell(`=IF(${at(3, 1)}=0,"None: community pharmacy has no seat","")`, (env) => (count(env, "Represents", "Community pharmacy") === 0 ? "None: community pharmacy has no seat" : ""))],
    [label("Voting members"), fcell(`=COUNTIF(${B}Voting,"Yes")`, (env) => count(env, "Voting", "Yes"), { format: FORMATS.integer }), null],
    [H("Belbin team role"), H("Members with it"), H("")],
    ...BELBIN_ROLES.map((role, i): (ReportCell | null)[] => [
      label(role),
      fcell(`=COUNTIF(${B}Belbin1,${str(role)})+COUNTIF(${B}Belbin2,${str(role)})`, (env) => roleCount(env, role), { format: FORMATS.integer }),
      fcell(`=IF(${at(BOARD_BELBIN_FIRST_ROW + i, 1)}=0,"Nobody","Covered")`, (env) => (roleCount(env, role) === 0 ? "Nobody" : "Covered")),
    ]),
    [label("Roles nobody covers", { bold: true }),
      fcell(`=${checkList(BELBIN_ROLES.map((role, i) => [`${at(BOARD_BELBIN_FIRST_ROW + i, 1)}=0`, str(role)] as [string, string]), `"None: every role is covered"`)}`,
        (env) => BELBIN_ROLES.filter((role) => roleCount(env, role) === 0).join("; ") || "None: every role is covered", { name: "Board_Uncovered" }),
      null],
    [label("Belbin's nine team roles (Belbin; teambuilding.co.uk): give each member's strongest and second role from their Belbin report. A team works best when someone covers each; a role nobody covers is work the board may leave undone."), null, null],
  ];
  const covCol: { row: number; col: number; rows: number; cols: number } = { row: BOARD_BELBIN_FIRST_ROW, col: R0 + 2, rows: BELBIN_ROLES.length, cols: 1 };
  const cov = `$${colLetter(R0 + 2)}${BOARD_BELBIN_FIRST_ROW + 1}`;
  return {
    key: "board",
    name: ctx.sheetName("board"),
    title: "PCN board",
    rows,
    freeze: { rows: 1, cols: 1 },
    table: {
      columns: table, keyColumns: ["name"], spareRows: 10, namePrefix: B, tableName: "PCN_Board",
      conditionalFormats: (col) => checkRag(col("check")),
    },
    reports: [{
      col: R0, rows: rep, widths: [40, 14, 44],
      conditionalFormats: [
        { range: covCol, formula: `=${cov}="Nobody"`, fill: COLOURS.red, font: COLOURS.redFont },
        { range: covCol, formula: `=${cov}="Covered"`, fill: COLOURS.green, font: COLOURS.greenFont },
      ],
    }],
  };
}
