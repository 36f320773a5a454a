/**
 * The part of Apps Script the add-on calls, typed structurally so tests, the bench and the root tsconfig need
 * no Apps Script types (they clash with DOM); bridge-server.ts has tsc check that the real types fit these.
 */

/** The setters a Range and a RangeList share: a group of one range is set through its Range, saving a getRangeList. */
export interface Formattable {
  clearDataValidations(): unknown;
  setNumberFormat(format: string): unknown;
  setFontWeight(weight: "bold" | "normal" | null): unknown;
  setFontStyle(style: "italic" | "normal" | null): unknown;
  setWrap(wrap: boolean): unknown;
  setBackground(color: string | null): unknown;
  setFontColor(color: string | null): unknown;
  clearContent(): unknown;
}
export interface Range extends Formattable {
  getValues(): unknown[][];
  getFormulas(): string[][];
  setValues(values: unknown[][]): unknown;
  setDataValidation(rule: DataValidation | null): unknown;
  /** One rule per cell: one call for a whole rectangle of rules. */
  setDataValidations(rules: (DataValidation | null)[][]): unknown;
  getDataValidation(): DataValidation | null;
  setNumberFormats(formats: string[][]): unknown;
  setBackgrounds(colors: (string | null)[][]): unknown;
  setFontColors(colors: any[][]): unknown;
  setFontWeights(weights: ("bold" | "normal" | null)[][]): unknown;
  setFontStyles(styles: ("italic" | "normal" | null)[][]): unknown;
  setWraps(wraps: boolean[][]): unknown;
  /** True when no cell holds a value or formula: asks without reading any cell's content. */
  isBlank(): boolean;
  clear(): unknown;
  createFilter(): Filter;
  getA1Notation(): string;
  getRow(): number;
  getColumn(): number;
  getNumRows(): number;
  getNumColumns(): number;
  getSheet(): { getName(): string };
}
export interface RangeList extends Formattable {
  getRanges(): Range[];
}
export type DataValidation = object;
export interface DataValidationBuilder {
  requireValueInList(values: string[], showDropdown: boolean): DataValidationBuilder;
  requireValueInRange(range: Range, showDropdown: boolean): DataValidationBuilder;
  requireNumberBetween(start: number, end: number): DataValidationBuilder;
  requireNumberGreaterThanOrEqualTo(n: number): DataValidationBuilder;
  requireNumberLessThanOrEqualTo(n: number): DataValidationBuilder;
  requireFormulaSatisfied(formula: string): DataValidationBuilder;
  requireDate(): DataValidationBuilder;
  setHelpText(text: string): DataValidationBuilder;
  setAllowInvalid(allow: boolean): DataValidationBuilder;
  build(): DataValidation;
}
export interface ConditionalFormatRuleLike {
  getBooleanCondition(): { getCriteriaValues(): unknown[] } | null;
  getRanges(): Range[];
}
export interface ConditionalFormatRuleBuilder {
  whenFormulaSatisfied(formula: string): ConditionalFormatRuleBuilder;
  setBackground(color: string | null): ConditionalFormatRuleBuilder;
  setFontColor(color: string | null): ConditionalFormatRuleBuilder;
  setRanges(ranges: Range[]): ConditionalFormatRuleBuilder;
  build(): ConditionalFormatRuleLike;
}
export interface EmbeddedChart {
  getOptions(): { get(option: string): unknown };
  getContainerInfo(): { getAnchorRow(): number; getAnchorColumn(): number };
}
export interface ChartBuilder {
  addRange(range: Range): ChartBuilder;
  setMergeStrategy(strategy: any): ChartBuilder;
  setTransposeRowsAndColumns(transpose: boolean): ChartBuilder;
  setNumHeaders(headers: number): ChartBuilder;
  setOption(option: string, value: any): ChartBuilder;
  setPosition(anchorRow: number, anchorCol: number, offsetX: number, offsetY: number): ChartBuilder;
  build(): object;
}
export type FilterCriteria = object;
export interface Filter {
  getRange(): Range;
  remove(): void;
  getColumnFilterCriteria(columnPosition: number): FilterCriteria | null;
  setColumnFilterCriteria(columnPosition: number, criteria: FilterCriteria | null): unknown;
}
export interface Sheet {
  getName(): string;
  getDataRange(): Range;
  getRange(row: number, column: number, numRows: number, numColumns: number): Range;
  getRange(a1Notation: string): Range;
  getRangeList(a1Notations: string[]): RangeList;
  getConditionalFormatRules(): ConditionalFormatRuleLike[];
  setConditionalFormatRules(rules: ConditionalFormatRuleLike[]): void;
  getCharts(): EmbeddedChart[];
  removeChart(chart: EmbeddedChart): void;
  newChart(): { asLineChart(): ChartBuilder; asComboChart(): ChartBuilder };
  insertChart(chart: object): void;
  setFrozenRows(rows: number): void;
  setFrozenColumns(columns: number): void;
  setColumnWidths(startColumn: number, numColumns: number, width: number): unknown;
  getFilter(): Filter | null;
  hideSheet(): unknown;
  showSheet(): unknown;
  getMaxRows(): number;
  getMaxColumns(): number;
  getLastRow(): number;
  getLastColumn(): number;
  insertRowsAfter(afterPosition: number, howMany: number): unknown;
  insertColumnsAfter(afterPosition: number, howMany: number): unknown;
  /** The named ranges whose range is on this sheet. */
  getNamedRanges(): NamedRangeLike[];
}
export interface NamedRangeLike {
  getName(): string;
  setRange(range: Range): unknown;
}
export interface Spreadsheet {
  getSpreadsheetTimeZone(): string;
  getSheets(): Sheet[];
  getSheetByName(name: string): Sheet | null;
  insertSheet(name: string): Sheet;
  deleteSheet(sheet: Sheet): void;
  getRange(a1Notation: string): Range;
  getNamedRanges(): NamedRangeLike[];
  setNamedRange(name: string, range: Range): void;
  getActiveSheet(): Sheet;
  setActiveSheet(sheet: Sheet): unknown;
  getActiveRangeList(): RangeList | null;
  setActiveRangeList(rangeList: RangeList): unknown;
  getCurrentCell(): Range | null;
  setCurrentCell(cell: Range): unknown;
}
/** The globals the writer calls. */
export interface WriterApp {
  newDataValidation(): DataValidationBuilder;
  newConditionalFormatRule(): ConditionalFormatRuleBuilder;
}
export interface WriterCharts { ChartMergeStrategy: { MERGE_ROWS: unknown } }

// ---- the other services a build uses
export interface Lock {
  tryLock(timeoutInMillis: number): boolean;
  releaseLock(): void;
}
export interface LockServiceLike {
  getDocumentLock(): Lock | null;
  getScriptLock(): Lock | null;
}
export interface Properties {
  getProperty(key: string): string | null;
  setProperty(key: string, value: string): unknown;
  deleteProperty(key: string): unknown;
}
export interface PropertiesServiceLike {
  getDocumentProperties(): Properties | null;
  getUserProperties(): Properties | null;
}
export interface SessionLike {
  getActiveUser(): { getEmail(): string };
  getTemporaryActiveUserKey(): string;
}
