// A small program written against the types openapi-typescript generates
// from Tripline's /openapi.json (check.mjs copies it next to tripline.ts).
// It must type-check with tsc --strict: numeric query parameters are
// numbers, and input fields the server defaults may be left out.
import type { components, paths } from "./tripline";

type Schemas = components["schemas"];

// Numeric query parameters are numbers, not strings.
type HookListQuery = NonNullable<paths["/v1/hooks"]["get"]["parameters"]["query"]>;
const page: HookListQuery = { limit: 10 };
// @ts-expect-error limit is a number
const badPage: HookListQuery = { limit: "10" };
type SampleQuery = NonNullable<paths["/v1/hooks/samples"]["get"]["parameters"]["query"]>;
const samples: SampleQuery = { event: "tag_applied", tag: "VIP", limit: 3 };
const byHook: SampleQuery = { hook_id: "hk_1" };

// Inputs with server defaults may leave those fields out.
const folder: Schemas["FolderInput"] = { name: "Sales" };
const endpoint: Schemas["EndpointInput"] = { name: "Sheets", url: "https://example.com/hook" };
const action: Schemas["Action"] = { endpoint_id: "ep_1" };
const rule: Schemas["RuleInput"] = { name: "VIP", trigger: { type: "tag_applied", tag: "VIP" }, actions: [action] };
const hook: Schemas["HookInput"] = { target_url: "https://hooks.zapier.com/x", event: "tag_applied", tag: "VIP" };
// @ts-expect-error event is required
const noEvent: Schemas["HookInput"] = { target_url: "https://hooks.zapier.com/x" };

// Answers are typed, down to nullable fields.
function describe(me: Schemas["Me"], h: Schemas["Hook"], tags: Schemas["ContactValuePage"]): string {
  const key = me.key ? me.key.prefix : "session";
  const next: string | null = tags.next_cursor;
  return `${me.workspace.name} ${key} ${h.id} ${Object.keys(h.params).length} ${tags.data.map((t) => t.name).join(",")} ${next ?? ""}`;
}

export { page, badPage, samples, byHook, folder, endpoint, rule, hook, noEvent, describe };
