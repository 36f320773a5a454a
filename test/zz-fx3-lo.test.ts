import { it } from "vitest";
import { writeFileSync, readFileSync } from "node:fs";
import { listSheets, Package } from "../cli/xlsx/package";
import { rebuild } from "./offline";
import { disposeLibreOffice } from "./engines/libreoffice";
import { libreOffice } from "./engines/libreofficeEdits";
it("dump", async () => {
  const f = (await rebuild(null, { sample: true, today: "2026-12-01" })).file;
  writeFileSync("/tmp/fx3-s.xlsx", f);
  const [r] = await libreOffice([{ file: "/tmp/fx3-s.xlsx", edits: [{ op: "printArea", sheet: "Budget", range: "A1:H20" }, { op: "landscape", sheet: "Budget" }], saveAs: "/tmp/fx3-e.xlsx" }]);
  const [q] = await libreOffice([{ file: "/tmp/fx3-e.xlsx", queries: [{ q: "printArea", sheet: "Budget" }] }]);
  console.log("ANS", q.answers);
  const pkg = Package.open(readFileSync("/tmp/fx3-e.xlsx"), "e");
  const order = listSheets(pkg, "xl/workbook.xml").map((s) => s.name);
  console.log("NAMES", [...pkg.text("xl/workbook.xml").matchAll(/<definedName ([^>]*)>([^<]*)</g)].filter((m) => /Print_Area/.test(m[1])).map((m) => m[1] + " " + m[2]).join("\n"));
  await disposeLibreOffice();
}, 200000);
