// Validates Argo Rollouts objects read as JSON (one array of objects on stdin) against the schema that
// @kubernetes-models/argo-rollouts generates from Argo Rollouts' own Go API types (the CRD's source).
// Prints one JSON line per object: {"kind", "name", "errors": [...]}; exits 1 when any has errors.
import { readFileSync } from "node:fs";
import { Rollout, AnalysisTemplate, ClusterAnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";

const models = { Rollout, AnalysisTemplate, ClusterAnalysisTemplate };
const objects = JSON.parse(readFileSync(0, "utf8"));
let failed = false;
for (const object of objects) {
  const Model = models[object.kind];
  const name = object.metadata?.name;
  if (!Model || object.apiVersion !== "argoproj.io/v1alpha1") {
    console.log(JSON.stringify({ kind: object.kind, name, errors: [`not an Argo Rollouts kind: ${object.apiVersion}/${object.kind}`] }));
    failed = true;
    continue;
  }
  let errors = [];
  try {
    new Model(object).validate();
  } catch (error) {
    errors = (error.errors ?? [error]).map((e) => `${e.instancePath ?? ""} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`.trim());
  }
  if (errors.length) failed = true;
  console.log(JSON.stringify({ kind: object.kind, name, errors }));
}
process.exit(failed ? 1 : 0);
