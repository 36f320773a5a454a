// Property tests explore new cases on every local run; CI replays a fixed seed so a red build is reproducible.
import fc from "fast-check";

if (process.env.CI) fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261122) });
