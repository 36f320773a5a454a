import { fail } from "../errors";
import { getYear, longDate, rateValue } from "../rates/book";
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
  const w = year.withdrawn ?? {};
  if (part === "total" && w.capacityAccessSupport && w.capacityAccessImprovement) {
    const from = w.capacityAccessSupport.from;
    fail(`The Capacity and Access Payment (CASP and CAIP) was withdrawn from the Network Contract DES on ${longDate(from)}: there is no such payment in ${year.year}. Its funding moved to the practice-level GP reimbursement scheme, paid to practices rather than PCNs.`);
  }
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
