/**
 * Which date system the open workbook uses, shared by the pane's bridge (which learns it on every read) and the
 * custom functions (which run in the same shared runtime, so see the same global): a 1904 workbook's date cells
 * are 1,462 less than the 1900-system serials the core counts in.
 */
export const DATE_1904_FLAG = "__pcnDate1904";
export const setDate1904 = (on: boolean) => void ((globalThis as Record<string, unknown>)[DATE_1904_FLAG] = on);
export const isDate1904 = () => (globalThis as Record<string, unknown>)[DATE_1904_FLAG] === true;
