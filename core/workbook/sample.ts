/**
 * A realistic, clearly fictional network for the sample workbook, and large generated ones for benchmarks.
 * Names are invented; populations are typical of a 45,000-patient PCN.
 */
import { NEWEST_YEAR, YEAR_LABELS, findRole, getYear, maximumInfo, parseArea } from "../rates/book";
import type { YearRates } from "../rates/types";
import { hasGpScheme } from "../funding/gpScheme";
import { monthsInPost, onCosts, periodClaim } from "../funding/arrs";
import { round2 } from "../funding/money";
import { isoToSerial } from "./plan";
import { fundingStreams } from "./sheets/funding";
import { mainNiPeriod } from "./sheets/rates";
// Built complete, without the validator, so the add-ins never load zod; a test checks it against the schema.
import type { NetworkData } from "./data";
import { PARTNERSHIP_TYPES, GOVERNANCE_STATUS, MONITORING_METHODS, BUDGET_CATEGORIES, FUNDING_SOURCES } from "./lists";

const addDays = (iso: string, days: number) => new Date(Date.parse(iso + "T00:00:00Z") + days * 86400000).toISOString().slice(0, 10);

export function sampleNetwork(year: string = NEWEST_YEAR, todayIso = new Date().toISOString().slice(0, 10)): NetworkData {
  const y = getYear(year);
  const ys = y.start;
  const input: NetworkData = {
    pcn: { name: "Riverbend Primary Care Network (fictional sample)", icb: "Example ICB" },
    year: y.year,
    kpiMonths: 12,
    kpiEarlierMonths: 12,
    practices: [
      { name: "Riverside Surgery", odsCode: "X00001", registered: 9850, weighted: 10312.4, adjusted: 10120.7, beds: 42 },
      { name: "Oakfield Medical Centre", odsCode: "X00002", registered: 8720, weighted: 8455.9, adjusted: 8610.2, beds: 0 },
      { name: "Millbrook Health Centre", odsCode: "X00003", registered: 7640, weighted: 8102.3, adjusted: 7905.5, beds: 28 },
      { name: "Castle Street Practice", odsCode: "X00004", registered: 6980, weighted: 6744.1, adjusted: 6890.0, beds: 0 },
      { name: "Hillview Surgery", odsCode: "X00005", registered: 6210, weighted: 6633.8, adjusted: 6402.9, beds: 15 },
      { name: "Northgate Family Practice", odsCode: "X00006", registered: 5600, weighted: 5391.6, adjusted: 5544.4, beds: 0 },
    ],
    partnerships: [],
    arrsPosts: [
      { ref: "A-01", name: "Clinical pharmacist 1", role: "Clinical Pharmacist", band: "7", area: "national", wte: 1, start: ys, salary: 50952, shares: [{ practice: "Riverside Surgery", share: 0.5 }, { practice: "Oakfield Medical Centre", share: 0.5 }], hostPractice: "Riverside Surgery" },
      { ref: "A-02", name: "Clinical pharmacist 2", role: "Clinical Pharmacist", band: "8a", area: "national", wte: 0.8, start: ys, annualCost: 72500, shares: [{ practice: "Millbrook Health Centre", share: 0.6 }, { practice: "Castle Street Practice", share: 0.4 }], hostPractice: "Millbrook Health Centre" },
      { ref: "A-03", name: "Pharmacy technician", role: "Pharmacy Technician", band: "5", area: "national", wte: 1, start: addDays(ys, 61), salary: 31049, shares: [{ practice: "Hillview Surgery", share: 0.5 }, { practice: "Northgate Family Practice", share: 0.5 }], hostPractice: "Hillview Surgery" },
      { ref: "A-04", name: "Advanced practitioner", role: "Advanced Practitioner", band: "8a", area: "national", wte: 0.6, start: ys, salary: 57349, shares: [{ practice: "Riverside Surgery", share: 1 }], hostPractice: "Riverside Surgery" },
      { ref: "A-05", name: "Enhanced practice nurse", role: "Enhanced Practice Nurse", band: "7", area: "national", wte: 1, start: addDays(ys, 91), end: addDays(ys, 364), salary: 50952, shares: [{ practice: "Oakfield Medical Centre", share: 0.5 }, { practice: "Castle Street Practice", share: 0.5 }], hostPractice: "Oakfield Medical Centre" },
      { ref: "A-06", name: "GP (newly qualified)", role: "General Practitioner", band: "n/a", area: "national", wte: 0.5, start: addDays(ys, 183), salary: 82418, shares: [{ practice: "Northgate Family Practice", share: 1 }], hostPractice: "Northgate Family Practice" },
      { ref: "A-07", name: "Care co-ordinator", role: "Care Co-ordinator", band: "4", area: "national", wte: 1, start: ys, salary: 25674, shares: [{ practice: "Riverside Surgery", share: 0.55 }, { practice: "Hillview Surgery", share: 0.45 }], hostPractice: "Riverside Surgery" },
      // Hosted by the mental health trust; the first of its band, so the year's MHP rule sets its share.
      { ref: "A-08", name: "Mental health practitioner", role: "Adult Mental Health Practitioner (band 5)", band: "5", area: "national", wte: 1, start: ys, salary: 37338, shares: [{ practice: "Castle Street Practice", share: 0.5 }, { practice: "Northgate Family Practice", share: 0.5 }], hostPractice: "Castle Street Practice" },
    ],
    budget: [],
    kpis: [],
    board: [], agreement: [], maturity: [], priorities: [], meetings: [], actions: [], successes: [],
    // Adjustments come from the ICB; these are illustrative.
    iif: [
      { code: "CAN-04", numerator: 168, denominator: 236, pcas: 9, listSizeAdjustment: 0.94, prevalenceAdjustment: 1.02 },
      { code: "HI-03", numerator: 151, denominator: 228, pcas: 6, listSizeAdjustment: 0.94, prevalenceAdjustment: 1.1 },
    ],
  };
  // Money to practices: two quarters of streams, the PCN's own costs taken off first, and the keys agreed.
  const Q1 = `Q1 ${y.year}`, Q2 = `Q2 ${y.year}`;
  const board = (days: number) => ({ agreedBy: "PCN Board", agreedOn: addDays(ys, days), minutes: `Board ${addDays(ys, days)}, item 4` });
  input.distribution = {
    streams: [
      { ref: "S-01", source: "Core PCN funding", description: "April to June", period: Q1, received: 34105.25, dateReceived: addDays(ys, 90), datePaid: addDays(ys, 105), method: "Weighted list", ...board(5) },
      { ref: "S-02", source: "Core PCN funding", description: "July to September", period: Q2, received: 34105.25, dateReceived: addDays(ys, 182), method: "Weighted list", ...board(5) },
      { ref: "S-03", source: "Enhanced Access payment", description: "April to June", period: Q1, received: 97350, dateReceived: addDays(ys, 90), datePaid: addDays(ys, 105), method: "Adjusted population", ...board(5) },
      { ref: "S-04", source: "Enhanced Access payment", description: "July to September", period: Q2, received: 97350, dateReceived: addDays(ys, 182), method: "Adjusted population", ...board(5) },
      { ref: "S-05", source: "Care Home Premium", description: "July to September, by aligned beds", period: Q2, received: 2980, dateReceived: addDays(ys, 182), method: "Custom percentages", key: "Care home beds", ...board(96) },
      { ref: "S-06", source: "ARRS reimbursement", description: "Claims April to June", period: Q1, received: 58900, dateReceived: addDays(ys, 120), datePaid: addDays(ys, 130), method: "ARRS practice shares", ...board(5) },
      { ref: "S-07", source: "ARRS reimbursement", description: "Claims July to September (not yet paid by the ICB)", period: Q2, method: "ARRS practice shares", ...board(5) },
      { ref: "S-08", source: "IIF achievement", description: "Last year's IIF, paid after its year end", period: Q2, received: 9850, dateReceived: addDays(ys, 150), method: "Custom percentages", key: "Last year's IIF points", ...board(96) },
      { ref: "S-09", source: "IIF achievement", description: `IIF ${y.year} (paid after the year ends)`, period: `Year ${y.year}`, method: "IIF points achieved", ...board(96) },
      { ref: "S-10", source: "Local or other income", description: "ICB frailty scheme (fictional)", period: Q2, received: 12000, dateReceived: addDays(ys, 160), method: "Equal", ...board(96) },
      { ref: "S-11", source: "Local or other income", description: "Training hub grant", period: Q1, received: 3000, dateReceived: addDays(ys, 60), method: "Retain at PCN", ...board(5) },
      { ref: "S-12", source: "Local or other income", description: "Room hire rebates", period: Q2, received: 2400, dateReceived: addDays(ys, 170), method: "Fixed amounts", key: "Room hire", ...board(96) },
    ],
    costs: [
      { ref: "C-01", description: "Clinical director sessions, April to June", category: "Clinical director time", period: Q1, amount: 15500 },
      { ref: "C-02", description: "Clinical director sessions, July to September", category: "Clinical director time", period: Q2, amount: 15500 },
      { ref: "C-03", description: "PCN manager, April to June", category: "Management", period: Q1, stream: "S-01", amount: 13000 },
      { ref: "C-04", description: "PCN manager, July to September", category: "Management", period: Q2, stream: "S-02", amount: 13000 },
      { ref: "C-05", description: "Enhanced Access clinics bought in, April to June", category: "Services", period: Q1, stream: "S-03", amount: 85000 },
      { ref: "C-06", description: "Enhanced Access clinics bought in, July to September", category: "Services", period: Q2, stream: "S-04", amount: 85000 },
      { ref: "C-07", description: "ARRS pay above the maxima, April to June", category: "Staff not reimbursed", period: Q1, stream: "S-06", amount: 4200 },
      { ref: "C-08", description: "Room hire for PCN clinics", category: "Premises", period: Q2, amount: 2100 },
    ],
    keys: [
      { key: "Care home beds", practice: "Riverside Surgery", percent: 0.4941, notes: "42 of 85 aligned beds" },
      { key: "Care home beds", practice: "Millbrook Health Centre", percent: 0.3294, notes: "28 of 85" },
      { key: "Care home beds", practice: "Hillview Surgery", percent: 0.1765, notes: "15 of 85" },
      ...([["Riverside Surgery", 0.22], ["Oakfield Medical Centre", 0.19], ["Millbrook Health Centre", 0.18], ["Castle Street Practice", 0.15], ["Hillview Surgery", 0.14], ["Northgate Family Practice", 0.12]] as const)
        .map(([practice, percent]) => ({ key: "Last year's IIF points", practice, percent, notes: "Shares of last year's points (CQRS)" })),
      { key: "Room hire", practice: "Riverside Surgery", fixed: 1200, notes: "Rooms for PCN clinics" },
      { key: "Room hire", practice: "Millbrook Health Centre", fixed: 800, notes: "Rooms for PCN clinics" },
    ],
    yearEnd: { method: "Weighted list", ...board(96) },
  };
  // Each practice's own IIF figures (illustrative): the points each achieves share the IIF money.
  const perPractice: Record<string, [number, number, number][]> = {
    "CAN-04": [[40, 52, 2], [33, 45, 2], [30, 42, 1], [25, 35, 1], [22, 34, 2], [18, 28, 1]],
    "HI-03": [[35, 50, 1], [30, 44, 1], [28, 40, 1], [22, 36, 1], [20, 32, 1], [16, 26, 1]],
  };
  for (const i of input.iif) {
    const figs = perPractice[i.code];
    if (figs) i.practices = input.practices.map((p, k) => ({ practice: p.name, numerator: figs[k][0], denominator: figs[k][1], pcas: figs[k][2] }));
  }
  if (hasGpScheme(y)) {
    // The practice-level GP reimbursement scheme: a new GP, a post CAP funded, extra sessions (one capped per hour).
    input.gpScheme = {
      transfers: [{ practice: "Riverside Surgery", amount: -5000 }, { practice: "Oakfield Medical Centre", amount: 5000 }],
      claims: [
        { ref: "G-01", practice: "Riverside Surgery", gp: "New salaried GP (4 sessions)", route: "New salaried GP", area: "national", start: addDays(ys, 91), employedBefore: "No", salary: 42000, wte: 0.4 },
        { ref: "G-02", practice: "Millbrook Health Centre", gp: "Salaried GP (CAP-funded post)", route: "Continuing GP post (was CAP-funded)", area: "national", start: ys, employedBefore: "No", salary: 33000, wte: 0.3 },
        { ref: "G-03", practice: "Hillview Surgery", gp: "Salaried GP, 6 to 8 sessions", route: "Extra sessions", area: "national", start: addDays(ys, 30), employedBefore: "No", sessionsBefore: 6, extraSessions: 2, extraHours: 8.33, hourlyPay: 55 },
        { ref: "G-04", practice: "Oakfield Medical Centre", gp: "Salaried GP, 7 to 9 sessions", route: "Extra sessions", area: "national", start: ys, employedBefore: "No", sessionsBefore: 7, extraSessions: 2, extraHours: 6, hourlyPay: 65 },
      ],
    };
  }
  // Who pays: ARRS reimburses the staff themselves (here the social prescribing link workers and the mental health
  // practitioner the partners supply), never a hosting or management fee, premises or equipment.
  const partners: [string, (typeof PARTNERSHIP_TYPES)[number], string, string, number, number, number, (typeof FUNDING_SOURCES)[number]?][] = [
    ["Riverbend Community Pharmacy Group", "Memorandum of understanding", "Blood pressure checks in pharmacies", "Undiagnosed hypertension", 0, 320, 60],
    ["Valley Social Prescribing CIC", "Commissioned clinical service", "Social prescribing link workers", "Loneliness and non-medical needs", 54000, 45, 90, "ARRS"],
    ["St Aidan's Hospice", "Informal partnership", "Palliative care MDT", "End-of-life care coordination", 0, 400, 30],
    ["Brightline Digital Ltd", "Commissioned technology", "Online consultation platform", "Telephone demand at 8am", 18500, 75, 90, "Core PCN funding"],
    ["Riverbend GP Federation", "Hosted employment", "Hosting ARRS clinical pharmacists", "Medicines optimisation", 12000, 200, 90, "Core PCN funding"],
    ["Community Mental Health Trust", "Hosted employment", "Adult mental health practitioner", "Mental health access", 28000, 20, 90, "ARRS"],
    ["Riverbend Council Public Health", "Memorandum of understanding", "NHS Health Checks outreach", "Cardiovascular risk in deprived areas", 0, 150, 30],
    ["Careway Care Homes", "Informal partnership", "Weekly care home rounds", "Unplanned admissions from care homes", 0, 10, 14],
    ["Clearview Physio Partners", "Commissioned clinical service", "First contact physiotherapy sessions", "MSK waiting times", 36500, -20, 60, "Enhanced Access"],
    ["Local Carers' Centre", "Informal partnership", "Carers' support clinics", "Carer strain", 2500, 5, 30, "Practice contributions"],
    ["Riverbend Housing Association", "Other", "Damp and mould referral pathway", "Respiratory illness in housing", 0, 260, 30],
    ["Secure Data Services Ltd", "Commissioned technology", "Population health dashboard", "Case finding", 9600, 130, 60, "Core PCN funding"],
  ];
  const gov = GOVERNANCE_STATUS;
  partners.forEach(([partner, type, service, need, value, endInDays, noticeDays, source], i) => {
    const end = addDays(todayIso, endInDays + noticeDays);
    const start = addDays(end, -(365 * (1 + (i % 3))) + 1);
    const agreedAll = i % 4 !== 1;
    input.partnerships!.push({
      ref: `P-${String(i + 1).padStart(3, "0")}`, partner, type, service, need,
      basis: (["Population health need", "Capacity", "Time", "IT", "Financial"] as const)[i % 5],
      outcomes: `Measurable improvement in ${need.toLowerCase()}`,
      start, end, value, fundingSource: value ? source : undefined,
      recurrent: i % 3 !== 2 ? "Yes" : "No", quotes: type.startsWith("Commissioned") ? 3 : 0, financeLead: value > 0 ? "Yes" : "No",
      governance: {
        clinical: agreedAll ? "Agreed" : "In progress", quality: "Agreed", dataProtection: i % 5 === 3 ? "Not started" : "Agreed",
        ip: type === "Commissioned technology" ? "Agreed" : "Not applicable", confidentiality: "Agreed", training: agreedAll ? "Agreed" : gov[2], hr: type === "Hosted employment" ? "Agreed" : "Not applicable",
      },
      accountability: { clinical: i % 2 ? "Provider" : "Shared", data: "Shared", staff: type === "Hosted employment" ? "Provider" : "PCN", complaints: "Shared" },
      contacts: {
        decisions: "PCN Clinical Director", finance: i % 6 === 4 ? undefined : "PCN Finance Lead", operations: "PCN Manager",
        technical: type === "Commissioned technology" ? `${partner} service desk` : i % 3 === 0 ? undefined : "Practice IT lead", escalation: "PCN Board chair",
      },
      notice: { days: noticeDays, personnel: 30, it: 60, rotas: 28, monitoring: 30 },
      monitoring: MONITORING_METHODS.filter((_, k) => (i + k) % 3 !== 0),
      factors: { values: 4, engagement: 3 + (i % 3), clarity: 2 + (i % 4), contact: i % 6 === 4 ? 2 : 4, monitoring: 3 + (i % 2), trust: 3 + (i % 3) },
      owner: ["PCN Manager", "Clinical Director", "Finance Lead"][i % 3],
      reviewDate: addDays(todayIso, [-20, 45, 120, -5, 200, 15][i % 6]),
      compromises: i % 4 === 0 ? "Shared clinical governance meetings alternate venues" : "",
    });
  });
  // KPIs: the twelve months before the year (SPC's baseline) and the year's months that have ended by today. Each
  // tells a story SPC reads: a service that stepped up, a steady process, a rising trend, a target the process cannot
  // meet, a wait coming down, a latest month that fell, a one-off campaign month, a cost easing, demand that grew.
  const done = Array.from({ length: 12 }, (_, m) => m).filter((m) => {
    const [y0, m0] = y.start.split("-").map(Number);
    return new Date(Date.UTC(y0, m0 - 1 + m + 1, 1)).toISOString().slice(0, 10) <= todayIso;
  }).length;
  const kpis: [string, (typeof MONITORING_METHODS)[number], string, "Number" | "Percent" | "£", number | undefined, "Higher" | "Lower" | "Neither", number, number[], number[]][] = [
    ["Hypertension checks in pharmacies", "Codes", "P-001", "Number", 120, "Higher", 20,
      [62, 58, 65, 60, 63, 57, 61, 66, 59, 64, 60, 62], [78, 85, 88, 92, 95, 99, 104, 101, 108, 112, 115, 118]],
    ["Social prescribing referrals", "Templates", "P-002", "Number", 60, "Higher", 10,
      [46, 51, 44, 49, 53, 47, 45, 50, 48, 52, 46, 49], [47, 51, 45, 50, 48, 53, 46, 49, 51, 47, 50, 48]],
    ["Care home residents with a care plan", "Dashboard", "P-008", "Percent", 0.95, "Higher", 0.05,
      [0.8, 0.81, 0.79, 0.81, 0.8, 0.82, 0.8, 0.81, 0.79, 0.82, 0.8, 0.81], [0.82, 0.83, 0.84, 0.86, 0.87, 0.89, 0.9, 0.89, 0.91, 0.92, 0.93, 0.94]],
    ["Online consultations answered same day", "Dashboard", "P-004", "Percent", 0.9, "Higher", 0.05,
      [0.78, 0.76, 0.79, 0.77, 0.8, 0.78, 0.75, 0.79, 0.77, 0.78, 0.8, 0.76], [0.79, 0.77, 0.78, 0.76, 0.8, 0.78, 0.79, 0.77, 0.78, 0.79, 0.77, 0.78]],
    ["MSK wait to first contact (days)", "Meetings", "P-009", "Number", 7, "Lower", 3,
      [15, 14, 16, 15, 14, 16, 15, 13, 15, 14, 16, 14], [12, 11, 10, 10, 9, 9, 8, 8, 7, 8, 7, 7]],
    ["Patient satisfaction with access", "Patient feedback", "", "Percent", 0.72, "Higher", 0.05,
      [0.7, 0.71, 0.69, 0.72, 0.7, 0.71, 0.69, 0.7, 0.72, 0.71, 0.7, 0.69], [0.71, 0.7, 0.72, 0.69, 0.71, 0.7, 0.72, 0.7, 0.71, 0.69, 0.7, 0.71]],
    ["Staff wellbeing score", "Staff feedback", "", "Number", 7, "Higher", 1,
      [6.2, 6.6, 6.1, 6.5, 6.3, 6.8, 6.0, 6.4, 6.7, 6.2, 6.5, 6.3], [6.6, 6.2, 6.5, 6.9, 6.3, 6.4, 6.7, 6.1, 6.5, 6.6, 6.3, 6.4]],
    ["NHS Health Checks completed", "Codes", "P-007", "Number", 250, "Higher", 40,
      [168, 175, 160, 172, 181, 165, 158, 170, 176, 169, 174, 162], [171, 166, 178, 245, 173, 169, 175, 164, 180, 172, 170, 177]],
    ["Cost per online consultation (£)", "Dashboard", "P-004", "£", 2.45, "Lower", 0.2,
      [2.71, 2.65, 2.74, 2.68, 2.7, 2.66, 2.72, 2.69, 2.67, 2.73, 2.64, 2.7], [2.62, 2.58, 2.55, 2.57, 2.52, 2.5, 2.48, 2.51, 2.47, 2.45, 2.46, 2.44]],
    ["Online consultation requests per 1,000 patients", "Dashboard", "P-004", "Number", undefined, "Neither", 0,
      [38, 41, 39, 40, 42, 37, 39, 41, 40, 38, 42, 40], [44, 46, 45, 47, 48, 46, 49, 47, 48, 50, 49, 51]],
  ];
  kpis.forEach(([measure, method, partnership, unit, target, better, tolerance, earlier, year], i) => {
    const readings = year.slice(0, done);
    // Patient satisfaction fell in the latest month: a special cause of concern "Check register" reports.
    if (i === 5 && readings.length) readings[readings.length - 1] = 0.58;
    input.kpis!.push({ ref: `K-${String(i + 1).padStart(2, "0")}`, measure, method, partnership, unit, target, better, tolerance, earlier: [...earlier], readings });
  });
  Object.assign(input, developmentSample(todayIso));
  // Valid for its year as a data file would be: only the year's ARRS roles and IIF indicators.
  input.arrsPosts = input.arrsPosts.filter((p) => y.arrs.roles.some((r) => r.role === p.role));
  input.iif = input.iif.filter((x) => y.iif.indicators.some((i) => i.code === x.code));
  input.budget = sampleBudget(y, input);
  return input;
}

/**
 * The sample's budget, from its own figures: one income line per stream of its Funding sheet, at the year's rates
 * (a rate the year has not published is budgeted at the nearest year's, and says so), the ARRS reimbursement its
 * posts claim and their cost, and spending from the stream that pays for it (Enhanced Access clinics from Enhanced
 * Access, room hire for them too; nothing but staff from ARRS).
 */
function sampleBudget(y: YearRates, n: NetworkData): NetworkData["budget"] {
  const sum = (k: "registered" | "adjusted" | "weighted" | "beds") => n.practices.reduce((a, p) => a + (p[k] ?? 0), 0);
  const pop: Record<string, number> = { registered: sum("registered"), adjusted: sum("adjusted"), beds: sum("beds"), weighted: sum("weighted") };
  // The year's rate, else the nearest year's that has it (earlier first).
  const y0 = Number(y.start.slice(0, 4));
  const byNearness = [y, ...YEAR_LABELS.map((l) => getYear(l)).filter((x) => x.year !== y.year)
    .sort((a, b) => Math.abs(Number(a.start.slice(0, 4)) - y0) - Math.abs(Number(b.start.slice(0, 4)) - y0) || a.start.localeCompare(b.start))];
  const rateOf = (keys: string[]): { year: YearRates; values: number[] } | null => {
    for (const yy of byNearness) {
      const vs = keys.map((k) => yy.rates[k]?.value ?? null);
      if (vs.every((v): v is number => typeof v === "number")) return { year: yy, values: vs };
    }
    return null;
  };
  const lines: { description: string; category: (typeof BUDGET_CATEGORIES)[number]; type: "Income" | "Expenditure"; annual: number; fundingSource?: (typeof FUNDING_SOURCES)[number]; recurrent?: "Yes" | "No" }[] = [];
  const streams = new Map<string, number>();
  for (const st of fundingStreams(y)) {
    const r = rateOf(st.rates);
    if (!r) continue;
    const annual = st.key === "core" ? round2(pop.registered * r.values[0] + pop.adjusted * r.values[1]) : round2(pop[st.basis] * r.values[0]);
    streams.set(st.key, annual);
    lines.push({ description: r.year === y ? st.label : `${st.label} (estimate: ${y.year} rate not published, at ${r.year.year} rates)`, category: "DES income", type: "Income", annual });
  }
  // ARRS: what the posts cost in the year and what they claim (the lower of cost and maximum, by maxima period).
  const ys = isoToSerial(y.start), ye = isoToSerial(y.end);
  let cost = 0, claim = 0;
  const mhp = y.arrs.rules?.mhp;
  for (const p of n.arrsPosts) {
    const start = isoToSerial(p.start), end = p.end ? isoToSerial(p.end) : null;
    // On-costs as the ARRS Workforce sheet works them out: the employer NI in force for most of the year.
    const perWte = p.annualCost ?? (p.salary ?? 0) + onCosts(p.salary ?? 0, mainNiPeriod(y).from).total;
    const role = findRole(y, p.role);
    const share = role.mhp && mhp ? mhp.firstPerBand : 1;
    y.arrs.periods.forEach((from, i) => {
      const a = Math.max(ys, isoToSerial(from)), b = i + 1 < y.arrs.periods.length ? isoToSerial(y.arrs.periods[i + 1]) - 1 : ye;
      const months = monthsInPost(start, end, a, b);
      if (months <= 0) return;
      const max = maximumInfo(y, role, from, parseArea(p.area)).value ?? perWte;
      cost += (perWte * p.wte * months) / 12;
      claim += periodClaim(perWte, max, share, p.wte, months);
    });
  }
  const hundred = (x: number) => Math.round(x / 100) * 100;
  lines.push({ description: "ARRS reimbursement (the ARRS Workforce posts' claims)", category: "DES income", type: "Income", annual: hundred(claim) });
  lines.push({ description: "Practice contributions", category: "Other income", type: "Income", annual: 24000 });
  const ea = streams.get("enhancedAccess") ?? 0;
  const casp = (streams.get("capacityAccessSupport") ?? 0) + (streams.get("capacityAccessImprovement") ?? 0);
  lines.push(
    { description: "Clinical Director sessions", category: "Staff", type: "Expenditure", annual: 48000, fundingSource: "Core PCN funding" },
    { description: "PCN Manager", category: "Staff", type: "Expenditure", annual: 46000, fundingSource: "Core PCN funding" },
    { description: "ARRS staff costs (salaries and on-costs)", category: "ARRS staff", type: "Expenditure", annual: hundred(cost), fundingSource: "ARRS" },
  );
  if (ea) lines.push(
    { description: "Enhanced Access clinics", category: "Clinical services", type: "Expenditure", annual: hundred(ea * 0.9), fundingSource: "Enhanced Access" },
    { description: "Room hire for Enhanced Access clinics", category: "Premises", type: "Expenditure", annual: hundred(ea * 0.04), fundingSource: "Enhanced Access" },
  );
  if (casp) lines.push({ description: "Capacity and Access: passed to practices", category: "Clinical services", type: "Expenditure", annual: casp, fundingSource: "Capacity and Access" });
  if (streams.get("careHomePremium")) lines.push({ description: "Care home rounds: passed to practices", category: "Clinical services", type: "Expenditure", annual: streams.get("careHomePremium")!, fundingSource: "Care Home Premium" });
  lines.push(
    { description: "Online consultation platform", category: "Technology", type: "Expenditure", annual: 18500, fundingSource: "Core PCN funding" },
    { description: "Population health dashboard", category: "Technology", type: "Expenditure", annual: 9600, fundingSource: "Core PCN funding" },
    { description: "Training and education", category: "Training", type: "Expenditure", annual: 6000, fundingSource: "Core PCN funding", recurrent: "No" },
    { description: "Accountancy and payroll", category: "Management and admin", type: "Expenditure", annual: 9000, fundingSource: "Core PCN funding" },
    { description: "Room hire for board and MDT meetings", category: "Premises", type: "Expenditure", annual: 2400, fundingSource: "Practice contributions" },
    { description: "Carers' support clinics", category: "Clinical services", type: "Expenditure", annual: 2500, fundingSource: "Practice contributions" },
  );
  return lines.map((l, i) => {
    const drift = l.type === "Income" ? 1 : 1 + ((i % 5) - 2) * 0.04;
    return {
      ref: `B-${String(i + 1).padStart(3, "0")}`, description: l.description, category: l.category, type: l.type, fundingSource: l.fundingSource,
      recurrent: l.recurrent ?? "Yes", annual: l.annual,
      actuals: Array.from({ length: 8 }, (_, m) => Math.round((l.annual / 12) * drift * (1 + (((m * 7 + i) % 5) - 2) * 0.02) * 100) / 100),
    };
  });
}

/** The sample's network development: board, agreement, maturity scores, priorities, meetings and actions, successes. */
function developmentSample(todayIso: string): Pick<NetworkData, "board" | "agreement" | "maturity" | "priorities" | "meetings" | "actions" | "successes"> {
  const at = (days: number) => addDays(todayIso, days);
  return {
    board: [
      { name: "Dr Amara Okafor", boardRole: "Clinical Director (chair)", represents: "Member practice", from: "Riverside Surgery", belbin: "Co-ordinator", belbin2: "Shaper", voting: "Yes", notes: "" },
      { name: "Dr Tom Hughes", boardRole: "GP partner", represents: "Member practice", from: "Oakfield Medical Centre", belbin: "Plant", belbin2: "Specialist", voting: "Yes", notes: "" },
      { name: "Priya Shah", boardRole: "Practice manager", represents: "Member practice", from: "Millbrook Health Centre", belbin: "Implementer", belbin2: "Completer Finisher", voting: "Yes", notes: "" },
      { name: "Dr Helen Marsh", boardRole: "GP partner", represents: "Member practice", from: "Castle Street Practice", belbin: "Monitor Evaluator", belbin2: "Teamworker", voting: "Yes", notes: "" },
      { name: "Gareth Price", boardRole: "Practice manager", represents: "Member practice", from: "Hillview Surgery", belbin: "Teamworker", belbin2: "Implementer", voting: "Yes", notes: "" },
      { name: "Sam Adeyemi", boardRole: "PCN Manager", represents: "PCN team", from: "Riverbend PCN", belbin: "Completer Finisher", belbin2: "Implementer", voting: "No", notes: "Attends and minutes; does not vote." },
      { name: "Joan Whitfield", boardRole: "Patient representative", represents: "Patients", from: "Riverbend patient participation groups", belbin: "Teamworker", voting: "Yes", notes: "Chairs the PCN patient group." },
    ],
    agreement: [
      { item: "Decision making", status: "Agreed", agreedOn: at(-300), reviewDate: at(65), owner: "Dr Amara Okafor", where: "Network Agreement, Schedule 1", notes: "" },
      { item: "Finances and money flow", status: "Agreed", agreedOn: at(-240), reviewDate: at(20), owner: "Sam Adeyemi", where: "Network Agreement, Schedule 2", notes: "Riverside Surgery is the nominated payee." },
      { item: "Workforce and HR policies", status: "In progress", owner: "Priya Shah", where: "Draft Schedule 4", notes: "Hosting of the ARRS pharmacists to be written up." },
      { item: "Data sharing", status: "Agreed", agreedOn: at(-400), reviewDate: at(-30), owner: "Gareth Price", where: "Data sharing agreement", notes: "" },
      { item: "Dispute resolution", status: "Not started", owner: "Dr Amara Okafor", where: "", notes: "" },
      { item: "Premises", status: "In progress", owner: "Sam Adeyemi", where: "", notes: "Rooms for the Enhanced Access clinics." },
    ],
    maturity: [
      { assessor: "Dr Amara Okafor", role: "Clinical Director", date: at(-40), scores: [2, 1, 2, 1, 1], comment: "" },
      { assessor: "Sam Adeyemi", role: "PCN Manager", date: at(-40), scores: [2, 1, 1, 2, 0], comment: "Data use is the gap." },
      { assessor: "Priya Shah", role: "Practice manager", date: at(-38), scores: [1, 1, 2, 1, 1], comment: "" },
      { assessor: "Dr Tom Hughes", role: "GP partner", date: at(-37), scores: [3, 0, 1, 1, 1], comment: "" },
      { assessor: "Joan Whitfield", role: "Patient representative", date: at(-35), scores: [1, 1, 1, 1, 0], comment: "Patients hear little about the network." },
    ],
    priorities: [
      { ref: "PR-01", priority: "Same-day access hub for urgent requests", why: "Telephone demand at 8am", owner: "Dr Amara Okafor", status: "On track", start: at(-150), reviewDate: at(14), measure: "K-04 Online consultations answered same day", agreedAt: "M-01", notes: "" },
      { ref: "PR-02", priority: "Hypertension case finding with community pharmacies", why: "Undiagnosed hypertension", owner: "Priya Shah", status: "At risk", start: at(-150), reviewDate: at(-6), measure: "K-01 Hypertension checks in pharmacies", agreedAt: "M-01", notes: "Referral pathway still to agree." },
      { ref: "PR-03", priority: "Care home rounds and care plans", why: "Unplanned admissions from care homes", owner: "Dr Helen Marsh", status: "On track", start: at(-90), reviewDate: at(45), measure: "K-03 Care home residents with a care plan", agreedAt: "M-02", notes: "" },
      { ref: "PR-04", priority: "Keep our ARRS staff: wellbeing and development", why: "Turnover among the additional roles", owner: "Sam Adeyemi", status: "Not started", start: at(-30), reviewDate: at(75), measure: "K-07 Staff wellbeing score", agreedAt: "M-03", notes: "" },
      { ref: "PR-05", priority: "Agree the Enhanced Access rota across practices", why: "Capacity", owner: "Gareth Price", status: "Done", start: at(-200), reviewDate: at(-100), measure: "", agreedAt: "M-01", notes: "" },
    ],
    meetings: [
      { ref: "M-01", date: at(-150), meeting: "PCN board review", chair: "Dr Amara Okafor", attendees: "Board members; finance lead", decisions: "Agreed the year's priorities PR-01 to PR-03 and the Enhanced Access rota.", issues: "Practices unsure how the DES money flows: agreed to publish the money flow schedule." },
      { ref: "M-02", date: at(-90), meeting: "PCN board review", chair: "Dr Amara Okafor", attendees: "Board members", decisions: "Added care home rounds as a priority (PR-03).", issues: "The pharmacy referral pathway is slow: escalated to the LPC." },
      { ref: "M-03", date: at(-30), meeting: "PCN board review", chair: "Dr Amara Okafor", attendees: "Board members; patient group", decisions: "Started PR-04 on keeping ARRS staff; took the maturity self-assessment.", issues: "No community pharmacist on the board." },
      { ref: "M-04", date: at(20), meeting: "PCN board review", chair: "Dr Amara Okafor", attendees: "", decisions: "", issues: "" },
    ],
    actions: [
      { ref: "ACT-001", meeting: "M-01", action: "Share the Enhanced Access rota with every practice", owner: "Sam Adeyemi", due: at(-120), status: "Done", doneOn: at(-125), notes: "" },
      { ref: "ACT-002", meeting: "M-01", action: "Agree the referral pathway for raised blood pressure from pharmacies", owner: "Priya Shah", due: at(-60), status: "Open", notes: "" },
      { ref: "ACT-003", meeting: "M-02", action: "Refresh the data sharing agreement", owner: "Gareth Price", due: at(-10), status: "Open", notes: "" },
      { ref: "ACT-004", meeting: "M-02", action: "Cost extending the care home rounds to two more homes", owner: "Dr Helen Marsh", due: at(5), status: "Open", notes: "" },
      { ref: "ACT-005", meeting: "M-03", action: "Run a wellbeing survey of the ARRS staff", owner: "Sam Adeyemi", due: at(25), status: "Open", notes: "" },
      { ref: "ACT-006", meeting: "M-03", action: "Invite a community pharmacist to join the board", owner: "Dr Amara Okafor", due: at(40), status: "Open", notes: "" },
      { ref: "ACT-007", meeting: "M-03", action: "Circulate the maturity self-assessment results", owner: "Sam Adeyemi", due: at(-20), status: "Done", doneOn: at(-22), notes: "" },
    ],
    successes: [
      { ref: "S-01", date: at(-100), success: "Nine in ten care home residents now have a care plan", impact: "Residents of the six aligned homes, and fewer calls out", evidence: "K-03 Care home residents with a care plan", priority: "PR-03", shared: "Yes", sharedOn: at(-95), channel: "Newsletter" },
      { ref: "S-02", date: at(-45), success: "1,200 blood pressure checks done in pharmacies", impact: "Patients found with raised blood pressure sooner", evidence: "K-01 Hypertension checks in pharmacies", priority: "PR-02", shared: "No" },
      { ref: "S-03", date: at(-10), success: "Three in four online requests answered the same day", impact: "Fewer calls at 8am", evidence: "K-04 Online consultations answered same day", priority: "PR-01", shared: "No" },
    ],
  };
}

/** Deterministic large network for benchmarks: 500 partnerships, 10,000 budget lines, 100 KPIs x 36 months at scale 1. */
export function largeNetwork(scale = 1, year: string = NEWEST_YEAR): NetworkData {
  const base = sampleNetwork(year, "2025-10-01");
  const n = (k: number) => Math.max(1, Math.round(k * scale));
  // References as the sample's (P-001...), so the KPIs' linked partnerships exist.
  const partnerships = Array.from({ length: n(500) }, (_, i) => ({ ...base.partnerships[i % base.partnerships.length], ref: `P-${String(i + 1).padStart(3, "0")}`, partner: `Partner ${i + 1}` }));
  const budget = Array.from({ length: n(10000) }, (_, i) => ({ ...base.budget[i % base.budget.length], ref: `B-${i + 1}`, description: `Budget line ${i + 1}` }));
  const kpis = Array.from({ length: n(100) }, (_, i) => ({
    ...base.kpis[i % base.kpis.length], ref: `K-${i + 1}`, measure: `KPI ${i + 1}`,
    readings: Array.from({ length: 36 }, (_, m) => 50 + ((i * 7 + m * 13) % 40)),
  }));
  return { ...base, kpiMonths: 36, partnerships, budget, kpis };
}
