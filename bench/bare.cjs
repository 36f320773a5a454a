// The baseline: a bare exceljs script writing the same cells, number formats and date types as the product
// (cells dumped by bench/run.ts from the product's own plan: one JSON line per row, one file per sheet). No validation, conditional
// formats, names, widths or charts. `node bench/bare.cjs <dumpDir> <out.xlsx> stream|memory`
//  - stream: exceljs's streaming WorkbookWriter (rows committed as written);
//  - memory: the usual `new Workbook()` then `xlsx.writeFile`.
// Reading the dump is not the baseline's work: its time is reported (as loadMs) so the comparison can leave it out.
const ExcelJS = require("exceljs");
const fs = require("node:fs");
const path = require("node:path");
const { StringDecoder } = require("node:string_decoder");

const [dir, out, mode = "stream"] = process.argv.slice(2);
const sheets = JSON.parse(fs.readFileSync(path.join(dir, "sheets.json"), "utf8"));

/** The sheet's rows, read a megabyte at a time so the baseline never holds more than it is writing. */
function* rows(i) {
  const fd = fs.openSync(path.join(dir, `sheet${i}.ndjson`), "r");
  const buf = Buffer.alloc(1 << 20);
  const text = new StringDecoder("utf8"); // a character may straddle two reads
  let rest = "";
  for (;;) {
    const t = performance.now();
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    const lines = (rest + (n ? text.write(buf.subarray(0, n)) : text.end())).split("\n");
    rest = n ? lines.pop() : "";
    const parsed = lines.filter((l) => l).map((l) => JSON.parse(l));
    globalThis.__pcnBenchLoadMs += performance.now() - t;
    yield* parsed;
    if (!n) break;
  }
  fs.closeSync(fd);
}

function value(v) {
  if (v && typeof v === "object") {
    if ("f" in v) return { formula: v.f.replace(/^=/, "") };
    const [y, m, d] = v.d.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d));
  }
  return v;
}

/** Writes sheet i's rows into a worksheet (committing each row for the streaming writer). */
function fill(ws, i, commit) {
  const { formats } = sheets[i];
  for (const [r, cells] of rows(i)) {
    const row = ws.getRow(r + 1);
    for (const [c, v, f] of cells) {
      const cell = row.getCell(c + 1);
      cell.value = value(v);
      if (f >= 0) cell.numFmt = formats[f];
    }
    if (commit) row.commit();
  }
}

(async () => {
  if (mode === "stream") {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: true, useSharedStrings: true });
    for (let i = 0; i < sheets.length; i++) {
      const ws = wb.addWorksheet(sheets[i].name);
      fill(ws, i, true);
      await ws.commit();
    }
    await wb.commit();
  } else {
    const wb = new ExcelJS.Workbook();
    for (let i = 0; i < sheets.length; i++) fill(wb.addWorksheet(sheets[i].name), i, false);
    await wb.xlsx.writeFile(out);
  }
})().catch((e) => { console.error(e); process.exit(1); });
