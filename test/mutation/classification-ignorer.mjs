import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin";

// Fields of a catalog entry that decide what an agent may do; everything else in a tool
// file (descriptions, schemas, shaping) is left unmutated by the `tools` target.
const SECURITY_FACTS = new Set(["access", "destructive", "idempotent", "toolset", "appArg", "sensitive"]);

const keyName = (node) => node.key?.name ?? node.key?.value;

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "outside-classification", {
    shouldIgnore(path) {
      const fact = path.findParent((p) => p.isObjectProperty() && SECURITY_FACTS.has(keyName(p.node)));
      const self = path.isObjectProperty() && SECURITY_FACTS.has(keyName(path.node));
      return fact || self ? undefined : "not a security fact of a catalog entry";
    },
  }),
];
