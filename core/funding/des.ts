import { fail } from "../errors";
import { getYear, rateValue } from "../rates/book";
import type { YearRates } from "../rates/types";
import { monthly, round2 } from "./money";

/** Network Contract DES entitlements: annual amounts (to the penny) and their April-March phasing. */
export interface Entitlement { annual: number; monthly: number[] }

const ent = (annual: number): Entitlement => ({ annual, monthly: monthly(annual) });

export function corePcnFunding(registered: number, adjusted: number, year: YearRates = getYear()): Entitlement {
  return ent(round2(registered * rateValue(year, "coreRegistered") + adjusted * rateValue(year, "coreAdjusted")));
}
export function enhancedAccess(adjusted: number, year: YearRates = getYear()): Entitlement {
  return ent(round2(adjusted * rateValue(year, "enhancedAccess")));
}
export function careHomePremium(beds: number, year: YearRates = getYear()): Entitlement {
  return ent(round2(beds * rateValue(year, "careHomePremium")));
}

export type CapacityPart = "support" | "improvement" | "total";
export const CAPACITY_PARTS: CapacityPart[] = ["support", "improvement", "total"];
export function parseCapacityPart(v: unknown): CapacityPart {
  if (v === null || v === undefined || v === "") return "total";
  const p = String(v).trim().toLowerCase() as CapacityPart;
  if (!CAPACITY_PARTS.includes(p)) fail(`Unknown part "${String(v)}". Use one of: ${CAPACITY_PARTS.join(", ")}.`);
  return p;
}
export function capacityAccess(adjusted: number, part: CapacityPart = "total", year: YearRates = getYear()): Entitlement {
  const support = round2(adjusted * rateValue(year, "capacityAccessSupport"));
  const improvement = round2(adjusted * rateValue(year, "capacityAccessImprovement"));
  return ent(part === "support" ? support : part === "improvement" ? improvement : round2(support + improvement));
}
export function participation(weighted: number, year: YearRates = getYear()): Entitlement {
  return ent(round2(weighted * rateValue(year, "participation")));
}
export function arrsAllocation(weighted: number, year: YearRates = getYear()): Entitlement {
  return ent(round2(weighted * rateValue(year, "arrsAllocation")));
}
