/** The fixed choices of the workbook's dropdowns and of the network data file. */
export const PARTNERSHIP_TYPES = ["Informal partnership", "Memorandum of understanding", "Hosted employment", "Commissioned clinical service", "Commissioned technology", "Other"] as const;
export const DECISION_BASES = ["Population health need", "Time", "Capacity", "IT", "Financial"] as const;
export const GOVERNANCE_STATUS = ["Agreed", "In progress", "Not started", "Not applicable"] as const;
export const ACCOUNTABLE = ["PCN", "Provider", "Shared"] as const;
export const MONITORING_METHODS = ["Codes", "Templates", "Meetings", "Dashboard", "Patient feedback", "Staff feedback", "End-of-contract evaluation"] as const;
export const FUNDING_SOURCES = ["Core PCN funding", "ARRS", "Enhanced Access", "Capacity and Access", "IIF", "Care Home Premium", "Practice contributions", "ICB / other NHS", "Grant / charitable", "Other"] as const;
export const BUDGET_CATEGORIES = ["Staff", "ARRS staff", "Clinical services", "Technology", "Premises", "Management and admin", "Training", "DES income", "Other income", "Other"] as const;
/** Routes of the practice-level GP reimbursement scheme (2026/27 on). */
export const GP_ROUTES = ["New salaried GP", "Continuing GP post (was CAP-funded)", "Extra sessions"] as const;

// ---- network development (issue #11) ----
/** Belbin's nine team roles (teambuilding.co.uk, "Belbin team roles"; ../shared/domain/reference.md 7.2). */
export const BELBIN_ROLES = ["Plant", "Resource Investigator", "Co-ordinator", "Shaper", "Monitor Evaluator", "Teamworker", "Implementer", "Completer Finisher", "Specialist"] as const;
/** Who a board member speaks for. */
export const BOARD_REPRESENTS = ["Member practice", "Patients", "Community pharmacy", "Partner organisation", "PCN team", "Other"] as const;
export const PRIORITY_STATUS = ["Not started", "On track", "At risk", "Off track", "Done", "Paused"] as const;
export const ACTION_STATUS = ["Open", "Done", "Dropped"] as const;
export const SHARE_CHANNELS = ["Board meeting", "Practice meetings", "Newsletter", "Email to practices", "ICB", "Patients", "Other"] as const;
