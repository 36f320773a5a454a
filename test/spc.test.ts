// Making Data Count SPC in the core, against every published vector of ../shared/domain/spc.md (C.5): the limits
// to 4 decimal places, each rule primitive as NHSRplotthedots' own tests state it, each flag and each status.
import { describe, expect, it } from "vitest";
import {
  assuranceOf, partOfRun, partOfTwoInThree, pointType, runEndsOneSide, shiftRule, spcLimits, spcPoints, spcRules, spcStatus,
  trendEnds, trendRule, twoInThreeRule, twoInThreeWindows, FLAG_TEXT, type SpcLimits,
} from "../core/spc";

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const rev = (a: number, b: number) => range(a, b).reverse();
const four = (x: number) => Math.round(x * 1e4) / 1e4;
/** (mean, lpl, upl, lower 2 sigma, upper 2 sigma) as nhspy-plotthedots' tests list them. */
const tuple = (l: SpcLimits | null) => (l ? [l.mean, l.lpl, l.upl, l.l2, l.u2].map(four) : null);

describe("TV1: MDC's Excel tool against the screened R default (deviations vignette)", () => {
  const y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1];
  it("MDC (no screening): mean 1.944444, mean moving range 32/17, limits 6.951503 and -3.062614", () => {
    const l = spcLimits(y, { method: "MDC" })!;
    expect(l.mean).toBeCloseTo(1.944444, 6);
    expect(l.amr).toBeCloseTo(32 / 17, 12);
    expect(l.upl).toBeCloseTo(6.951503, 6);
    expect(l.lpl).toBeCloseTo(-3.062614, 6);
    expect([four(l.upl), four(l.mean), four(l.lpl)]).toEqual([6.9515, 1.9444, -3.0626]);
  });
  it("R (screened): mean moving range 1.0, limits 4.604444 and -0.715556", () => {
    const l = spcLimits(y, { method: "R" })!;
    expect(l.amr).toBeCloseTo(1, 12);
    expect(l.upl).toBeCloseTo(4.604444, 6);
    expect(l.lpl).toBeCloseTo(-0.715556, 6);
  });
  it.each([["MDC"], ["R"]] as const)("%s: point 5 (10) is the only special cause, above the upper limit: improvement", (method) => {
    const t = spcPoints(y, 1, { method });
    expect(t[4]).toBe("improvement_high");
    expect(t.filter((x, i) => i !== 4 && x !== "common")).toEqual([]);
    expect(t.map((x) => FLAG_TEXT[x!]).filter((x) => x === "Common cause")).toHaveLength(17);
  });
});

describe("TV3: limits only (nhspy-plotthedots test_limits_calculations)", () => {
  const cases: [string, number[], number[]][] = [
    ["1..10", range(1, 10), [5.5, 2.84, 8.16, 3.726667, 7.273333]],
    ["10..1", rev(1, 10), [5.5, 2.84, 8.16, 3.726667, 7.273333]],
    ["[1,2,3,4,5,4,3,2,1,2]", [1, 2, 3, 4, 5, 4, 3, 2, 1, 2], [2.7, 0.04, 5.36, 0.926667, 4.473333]],
    ["[1,2,3]", [1, 2, 3], [2.0, -0.66, 4.66, 0.226667, 3.773333]],
    ["range(20)", range(0, 19), [9.5, 6.84, 12.16, 7.726667, 11.273333]],
    ["[3,1,4,1,5,9,2]", [3, 1, 4, 1, 5, 9, 2], [3.5714286, -6.6252381, 13.7680952, -3.2263492, 10.3692063]],
    ["[1,2,3,2,1,2,3,4,5,6,7,4,3,2,1,2]", [1, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 2], [3.0, -0.0146667, 6.0146667, 0.9902222, 5.0097778]],
  ];
  it.each(cases)("%s, both methods (no moving range reaches 3.267 x the mean), and the negated series is the mirror image", (_, data, expected) => {
    for (const method of ["MDC", "R"] as const) {
      expect(tuple(spcLimits(data, { method }))).toEqual(expected.map(four));
      const neg = tuple(spcLimits(data.map((x) => -x), { method }))!;
      expect(neg).toEqual([-expected[0], -expected[2], -expected[1], -expected[4], -expected[3]].map(four));
    }
  });
});

describe("TV5: rule primitives (NHSRplotthedots test-ptd_calculate_point_type.R)", () => {
  it("seven points one side of the mean", () => {
    expect(runEndsOneSide(Array(6).fill(1), 7)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(runEndsOneSide([...Array(6).fill(1), -1], 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(runEndsOneSide([...Array(8).fill(1), -1], 7)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0]);
    expect(runEndsOneSide([...Array(8).fill(-1), 1], 7)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0]);
    expect(runEndsOneSide([], 7)).toEqual([]);
  });
  it("seven point trend: a tie breaks it", () => {
    expect(trendEnds(range(1, 6), 7)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(trendEnds([1, 2, 3, 3, 4, 5, 6], 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(trendEnds(range(1, 7), 7)).toEqual([0, 0, 0, 0, 0, 0, 1]);
    expect(trendEnds([2, ...range(1, 7), 3], 7)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(trendEnds(rev(1, 7), 7)).toEqual([0, 0, 0, 0, 0, 0, -1]);
    expect(trendEnds([2, ...rev(1, 7), 3], 7)).toEqual([0, 0, 0, 0, 0, 0, 0, -1, 0]);
  });
  it("part of a seven point run", () => {
    expect(partOfRun(Array(6).fill(0), 7)).toEqual(Array(6).fill(0));
    expect(partOfRun([...Array(6).fill(0), 1, 0], 7)).toEqual([...Array(7).fill(1), 0]);
    expect(partOfRun([...Array(7).fill(0), 1, 0], 7)).toEqual([0, ...Array(7).fill(1), 0]);
    expect(partOfRun([...Array(6).fill(0), -1, 0], 7)).toEqual([...Array(7).fill(1), 0]);
  });
  it("two in three, on the same side", () => {
    const all = (n: number) => Array(n).fill(1);
    for (const close of [[1, 0, 1], [0, 1, 1], [1, 1, 0]]) expect(twoInThreeWindows(close, all(3))).toEqual([1, 1, 1]);
    expect(twoInThreeWindows([0, 0, 1, 0, 1, 0, 0], all(7))).toEqual([0, 0, 1, 1, 1, 0, 0]);
    expect(twoInThreeWindows([0, 0, 1, 1, 0, 0, 0], all(7))).toEqual([0, 1, 1, 1, 1, 0, 0]);
  });
  it("two in three: points on opposite sides of the mean never trigger it (issue #143)", () => {
    for (const close of [[1, 0, 1], [0, 1, 1], [1, 1, 0]]) expect(twoInThreeWindows(close, [1, -1, 1])).toEqual([0, 0, 0]);
    expect(twoInThreeWindows([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1])).toEqual(Array(7).fill(0));
    expect(twoInThreeWindows([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1])).toEqual(Array(7).fill(0));
  });
  it("part of two in three: only the points beyond 2 sigma", () => {
    const part = (v: number[]) => partOfTwoInThree(twoInThreeWindows(v, Array(v.length).fill(1)), v);
    for (const v of [[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 1, 0, 0, 0]]) expect(part(v)).toEqual(v);
    expect(part([1, 0, 0, 1])).toEqual([0, 0, 0, 0]);
    expect(part([1, 0, 0, 1, 1])).toEqual([0, 0, 0, 1, 1]);
    expect(part([0, 0, 0])).toEqual([0, 0, 0]);
  });
  it("precedence: outside the limits, then trend, then two in three, then shift (the package's mocked case)", () => {
    // Per point, each rule's direction as the mocked case sets it up: [outside, trend, two in three, shift].
    const dirs = [[0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, -1, 0], [-1, 0, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 0]];
    const r = spcRules("R");
    // "7 Point Trend (Increasing)" x2, "7 Points Above CL" x2, "2 in 3 Below CL", "Below LCL" x2, "Common Cause".
    expect(dirs.map((d) => pointType(d, 1, r))).toEqual(["improvement_high", "improvement_high", "improvement_high", "improvement_high", "concern_low", "concern_low", "concern_low", "common"]);
    expect(dirs.map((d) => pointType(d, 0, r))).toEqual(["neutral_high", "neutral_high", "neutral_high", "neutral_high", "neutral_low", "neutral_low", "neutral_low", "common"]);
    // The first rule that fires wins in R; in MDC's tool improvement wins a conflict.
    expect(pointType([-1, 1, 0, 0], 1, r)).toBe("concern_low");
    expect(pointType([-1, 1, 0, 0], 1, spcRules("MDC"))).toBe("improvement_high");
    expect(pointType([-1, 1, 0, 0], -1, spcRules("MDC"))).toBe("improvement_low");
  });
  it("shift and trend per point, with the run length selectable (6 or 7)", () => {
    expect(shiftRule([1, 1, 1, 1, 1, 1, -1], 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(shiftRule([1, 1, 1, 1, 1, 1, -1], 6)).toEqual([1, 1, 1, 1, 1, 1, 0]);
    expect(shiftRule([-1, -1, -1, 0, -1, -1, -1, -1], 6)).toEqual(Array(8).fill(0));
    expect(trendRule(range(1, 7), 7)).toEqual(Array(7).fill(1));
    expect(trendRule([...range(1, 6), 0], 6)).toEqual([1, 1, 1, 1, 1, 1, 0]);
    // A peak ends a rising run and starts a falling one: it takes the run it starts.
    expect(trendRule([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], 7)).toEqual([1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1]);
    // A missing month breaks a run.
    expect(trendRule([1, 2, 3, null, 4, 5, 6, 7], 7)).toEqual(Array(8).fill(0));
  });
});

describe("TV6: opposite sides of the mean (test-ptd_spc_standard.R)", () => {
  it.each([["R"], ["MDC"]] as const)("%s: the last two points (5.5 and -5.5) are common cause", (method) => {
    const y: number[] = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    y[14] = 5.5;
    y[15] = -5.5;
    const t = spcPoints(y, 1, { method });
    expect(t.slice(14)).toEqual(["common", "common"]);
  });
});

describe("TV7: assurance (test-ptd_calculate_assurance_type.R)", () => {
  const lim = (lpl: number, mean: number, upl: number) => ({ lpl, mean, upl } as SpcLimits);
  const cases = [lim(1, 2, 3), lim(5, 6, 7), lim(1, 4, 5)];
  it("target 4, higher is better: fail, pass, hit and miss", () => {
    expect(cases.map((l) => assuranceOf(l, 1, 4))).toEqual(["Fail", "Pass", "Hit and miss"]);
  });
  it("target 4, lower is better: pass, fail, hit and miss", () => {
    expect(cases.map((l) => assuranceOf(l, -1, 4))).toEqual(["Pass", "Fail", "Hit and miss"]);
  });
  it("neutral, or no target: none", () => {
    expect(cases.map((l) => assuranceOf(l, 0, 4))).toEqual(["", "", ""]);
    expect(assuranceOf(cases[0], 1, null)).toBe("");
  });
});

describe("TV8: ratio I-chart (PowerBI-SPC i.test.ts)", () => {
  it("ul99 0.0957, ul95 0.0836, ll95 0.035, ll99 0.0229 to 4 dp, with 2.66 as with 3/1.128, screened or not", () => {
    const num = [5, 7, 5, 7, 7, 5, 4, 9, 8, 13, 8, 7, 8, 7, 12, 11, 8];
    const den = [113, 132, 121, 134, 116, 131, 93, 138, 182, 157, 100, 103, 146, 108, 153, 141, 134];
    const y = num.map((n, i) => n / den[i]);
    for (const rules of [spcRules("MDC"), spcRules("R"), { ...spcRules("MDC"), constant: 3 / 1.128 }]) {
      const l = spcLimits(y, { rules })!;
      expect([l.upl, l.u2, l.l2, l.lpl].map(four)).toEqual([0.0957, 0.0836, 0.035, 0.0229]);
    }
  });
});

describe("TV9: PowerBI-SPC's primitives, which differ", () => {
  it("shift of 4 against a mean of 5: a point on the mean breaks the run", () => {
    const y = [6, 6, 6, 5, 6, 6, 6, 6];
    expect(shiftRule(y.map((v) => Math.sign(v - 5)), 4)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
  it("two in three with 95% limits 0..10 and no same-side test: upper, none, upper, none, none", () => {
    const y = [11, 5, 11, 5, 5];
    const beyond = y.map((v) => (v > 10 ? 1 : v < 0 ? -1 : 0));
    expect(twoInThreeRule(beyond, y.map(() => 0), false)).toEqual([1, 0, 1, 0, 0]);
  });
});

describe("the rules on whole series", () => {
  it("MDC counts a point beyond the limits towards two in three; R (before November 2023) does not", () => {
    // Baseline of 16 flat-ish points, then one beyond 3 sigma next to one beyond 2 sigma, same side.
    const base = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11];
    const y = [...base, 10.8, 14, 12.4, 11];
    const l = spcLimits(y, { baseline: 16 })!;
    expect(l.upl).toBeCloseTo(13.16, 9);
    expect(l.u2).toBeLessThan(12.4);
    const mdc = spcPoints(y, 1, { baseline: 16 });
    const r = spcPoints(y, 1, { baseline: 16, method: "R" });
    expect(mdc.slice(16)).toEqual(["common", "improvement_high", "improvement_high", "common"]);
    expect(r.slice(16)).toEqual(["common", "improvement_high", "common", "common"]);
  });
  it("the baseline is the first N readings: later readings are judged against its limits", () => {
    const y = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 9, 9, 9, 9, 9, 9, 9];
    const all = spcLimits(y)!;
    const first12 = spcLimits(y, { baseline: 12 })!;
    expect(first12.mean).toBe(5.5);
    expect(first12.amr).toBe(1);
    expect(first12.trial).toBe(false); // 19 readings: the limits are fixed from the first 12, not trial
    expect(spcLimits(y.slice(0, 12))!.trial).toBe(true);
    expect(all.mean).not.toBe(5.5);
    const t = spcPoints(y, 1, { baseline: 12 });
    expect(t.slice(12)).toEqual(Array(7).fill("improvement_high"));
  });
  it("a missing month is no point: it makes no moving range and breaks a run", () => {
    const l = spcLimits([1, 3, null, 4, 6])!;
    expect(l.n).toBe(4);
    expect(l.mean).toBe(3.5);
    expect(l.amr).toBe(2); // |3-1| and |6-4|
    expect(spcPoints([1, null, 3], 1)).toEqual([null, null, null]); // no two readings in a row
  });
  it("status: the latest reading's type, and assurance, from 13 readings", () => {
    const y = [80, 82, 79, 81, 80, 83, 78, 81, 80, 82, 79, 81, 80];
    const s = spcStatus(y, 1, 0.95 * 100);
    expect(s.variation).toBe("Common cause");
    expect(s.assurance).toBe("Fail");
    expect(spcStatus(y.slice(0, 12), 1, 95).variation).toBe("Too few readings (12 of 13)");
    const b = { baseline: 13 };
    expect(spcStatus([...y, 60], 1, 70, b)).toMatchObject({ variation: "Special cause concern (low)", assurance: "Pass" });
    expect(spcStatus([...y, 60], -1, 70, b)).toMatchObject({ variation: "Special cause improvement (low)", assurance: "Fail" });
    expect(spcStatus([...y, 60], 0, 70, b)).toMatchObject({ variation: "Special cause neutral (low)", assurance: "" });
    expect(spcStatus([...y, 60], 1, 70).assurance).toBe("Hit and miss"); // all 14 readings: the drop widens the limits
    expect(spcStatus([1], 1, 2).variation).toBe("Needs 2 readings");
  });
});
