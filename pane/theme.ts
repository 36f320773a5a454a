/**
 * The pane's colours: Fluent UI v9 tokens for a light and a dark theme, tuned so that text is at least 4.5:1 and
 * the edges a person must see (control borders, the progress track, the focus ring) at least 3:1 against what they
 * sit on (WCAG 1.4.3 and 1.4.11; test/pane-unit.test.ts checks every pair). Which theme applies: Office's
 * (Office.context.officeTheme, read by the Excel task pane), else the browser's prefers-color-scheme (all Google
 * gives a sidebar); Windows high contrast (forced colors) overrides both with the system's colours (styles.ts).
 */

export type PaneMode = "light" | "dark";

/** What the host says about its theme: the mode, and the background to match where it keeps every contrast. */
export interface PaneTheme {
  mode: PaneMode;
  /** The host's own body background ("#262626"), used only where the pane's text and borders still pass on it. */
  background?: string;
}

export type Tokens = Record<
  | "brand" | "brandHover" | "brandPressed" | "brandBg" | "onBrand" | "link"
  | "fg1" | "fg2" | "fg3" | "fgDisabled"
  | "bg1" | "bg2" | "bg3" | "bgHover" | "bgPressed" | "bgDisabled"
  | "stroke" | "strokeSubtle" | "strokeDisabled" | "track" | "progress" | "focus"
  | "redFg" | "redBg" | "redStrong" | "amberFg" | "amberBg" | "amberStrong" | "infoFg" | "infoBg" | "infoStrong" | "okFg" | "okBg" | "okStrong",
  string
>;

export const TOKENS: Record<PaneMode, Tokens> = {
  light: {
    brand: "#0F6CBD", brandHover: "#115EA3", brandPressed: "#0C3B5E", brandBg: "#EBF3FC", onBrand: "#FFFFFF", link: "#0F6CBD",
    fg1: "#242424", fg2: "#424242", fg3: "#616161", fgDisabled: "#616161",
    bg1: "#FFFFFF", bg2: "#FAFAFA", bg3: "#F5F5F5", bgHover: "#F0F0F0", bgPressed: "#E0E0E0", bgDisabled: "#F0F0F0",
    stroke: "#858585", strokeSubtle: "#E0E0E0", strokeDisabled: "#7A7A7A", track: "#E0E0E0", progress: "#0F6CBD", focus: "#242424",
    redFg: "#B10E1C", redBg: "#FDF3F4", redStrong: "#C50F1F", amberFg: "#8A3707", amberBg: "#FFF9F5", amberStrong: "#C44D0B",
    infoFg: "#115EA3", infoBg: "#EBF3FC", infoStrong: "#0F6CBD", okFg: "#0E700E", okBg: "#F1FAF1", okStrong: "#107C10",
  },
  dark: {
    brand: "#115EA3", brandHover: "#0F6CBD", brandPressed: "#0C3B5E", brandBg: "#082338", onBrand: "#FFFFFF", link: "#62ABF5",
    fg1: "#FFFFFF", fg2: "#D6D6D6", fg3: "#ADADAD", fgDisabled: "#ADADAD",
    bg1: "#292929", bg2: "#1F1F1F", bg3: "#333333", bgHover: "#3D3D3D", bgPressed: "#1F1F1F", bgDisabled: "#1F1F1F",
    stroke: "#8F8F8F", strokeSubtle: "#3D3D3D", strokeDisabled: "#7A7A7A", track: "#3D3D3D", progress: "#62ABF5", focus: "#FFFFFF",
    redFg: "#F1707B", redBg: "#3B1C1E", redStrong: "#E37D80", amberFg: "#F7A36E", amberBg: "#3B2717", amberStrong: "#F7A36E",
    infoFg: "#62ABF5", infoBg: "#0E2A45", infoStrong: "#62ABF5", okFg: "#6CCB5F", okBg: "#173317", okStrong: "#6CCB5F",
  },
};

/** Custom-property declarations for one theme ("--bg1: #FFFFFF; ..."). */
export function tokenCss(t: Tokens): string {
  return Object.entries(t).map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${v};`).join(" ");
}

const HEX = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i;

/** Relative luminance (WCAG 2) of a #RRGGBB or #RGB colour; NaN if it is not one. */
export function luminance(hex: string): number {
  const m = HEX.exec(String(hex).trim());
  if (!m) return NaN;
  const h = m[1].length === 3 ? m[1].replace(/./g, (c) => c + c) : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** The pairs that must pass, per theme: [foreground token, background token, least ratio]. */
export const CONTRAST_PAIRS: [keyof Tokens, keyof Tokens, number][] = [
  ["fg1", "bg1", 4.5], ["fg2", "bg1", 4.5], ["fg3", "bg1", 4.5], ["fg3", "bg2", 4.5], ["fgDisabled", "bgDisabled", 4.5],
  ["link", "bg1", 4.5], ["link", "bg3", 4.5], ["onBrand", "brand", 4.5], ["onBrand", "brandHover", 4.5], ["onBrand", "brandPressed", 4.5],
  ["redFg", "redBg", 4.5], ["amberFg", "amberBg", 4.5], ["infoFg", "infoBg", 4.5], ["okFg", "okBg", 4.5], ["redFg", "bg1", 4.5], ["okFg", "bg1", 4.5],
  ["fg1", "bgHover", 4.5], ["fg1", "bg3", 4.5], ["fg1", "redBg", 4.5], ["fg1", "amberBg", 4.5], ["fg1", "okBg", 4.5], ["fg1", "infoBg", 4.5],
  // Edges a person must see: control borders, the progress track's outline and fill, the focus ring, severity bars.
  ["stroke", "bg1", 3], ["stroke", "bg2", 3], ["strokeDisabled", "bgDisabled", 3], ["strokeDisabled", "bg1", 3], ["progress", "track", 3], ["progress", "bg1", 3], ["focus", "bg1", 3],
  ["redStrong", "bg1", 3], ["amberStrong", "bg1", 3], ["infoStrong", "bg1", 3], ["okStrong", "bg1", 3],
];

/** The pairs of a theme that fail (with their ratio), on the theme's background or on `background` in its place. */
export function contrastFailures(t: Tokens, background?: string): string[] {
  const tok = background ? { ...t, bg1: background } : t;
  return CONTRAST_PAIRS.filter(([f, b, min]) => !(contrast(tok[f], tok[b]) >= min)).map(([f, b, min]) => `${f} on ${b}: ${contrast(tok[f], tok[b]).toFixed(2)} < ${min}`);
}

/** Office.context.officeTheme, as far as the pane reads it. */
export interface OfficeThemeLike {
  bodyBackgroundColor?: string;
  bodyForegroundColor?: string;
  isDarkTheme?: boolean;
}

/**
 * The pane's theme for an Office theme: dark for Black and Dark Gray (isDarkTheme, or a dark body background
 * where isDarkTheme is missing), light for White and Colorful; Office's body background where the pane's colours
 * keep their contrast on it. Nothing to go on: undefined (the browser's preference then applies).
 */
export function paneThemeFromOffice(t: OfficeThemeLike | null | undefined): PaneTheme | undefined {
  if (!t || typeof t !== "object") return undefined;
  const bg = typeof t.bodyBackgroundColor === "string" && HEX.test(t.bodyBackgroundColor.trim()) ? t.bodyBackgroundColor.trim() : undefined;
  const dark = typeof t.isDarkTheme === "boolean" ? t.isDarkTheme : bg ? luminance(bg) < 0.18 : undefined;
  if (dark === undefined) return undefined;
  const mode: PaneMode = dark ? "dark" : "light";
  const background = bg && contrastFailures(TOKENS[mode], bg).length === 0 ? (bg.startsWith("#") ? bg : `#${bg}`) : undefined;
  return background ? { mode, background } : { mode };
}
