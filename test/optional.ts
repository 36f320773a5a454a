/**
 * Checks that need something outside the project. Each is run where that thing is present; where it is not,
 * the test is reported as not run (with why), never as passed. CI sets PCN_REQUIRE_DOMAIN=1, so there a missing
 * domain reference fails instead of being left out.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export const DOMAIN_DIR = join(__dirname, "..", "..", "shared", "domain");
export const HAS_DOMAIN = existsSync(join(DOMAIN_DIR, "funding-rates.json"));
export const REQUIRE_DOMAIN = process.env.PCN_REQUIRE_DOMAIN === "1";
/** Appended to a test's title when it cannot run: scripts/test.mjs prints it as the reason. */
export const DOMAIN_MISSING = "[not run: the domain reference ../shared/domain is not beside the project]";
/** True where a domain check cannot run and is to be reported as not run (never outside the domain, in CI). */
export const skipDomain = !HAS_DOMAIN && !REQUIRE_DOMAIN;
