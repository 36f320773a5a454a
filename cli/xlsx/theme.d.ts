/** exceljs ships Office's default theme part as a CommonJS string module. */
declare module "exceljs/lib/xlsx/xml/theme1.js" {
  const xml: string;
  export default xml;
}
