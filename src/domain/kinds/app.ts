// App: what a tenant deploys into one project: components with traits, policies and an optional
// workflow, in KubeNova's own stable field names. Its spec schema and the type derived from it.
import { Type, type Static } from 'typebox';
import { DriftPolicy, FreeForm, List, Name, Patterned, Strict, SubdomainName, withDefault } from '../schema.js';

const Properties = Type.Optional(withDefault(FreeForm, {}));

/** A KubeVela definition name, e.g. `webservice`. */
const DefinitionType = (description: string) => ({ ...SubdomainName, description });

const Trait = Strict({ type: DefinitionType('Trait type (a trait definition on the cluster), e.g. scaler, gateway.'), properties: Properties });

const Component = Strict({
  name: Name,
  type: DefinitionType('Component type (a component definition on the cluster), e.g. webservice, worker.'),
  properties: Properties,
  traits: Type.Optional(List(Trait, 32, { default: [] })),
});

const Policy = Strict({
  name: Name,
  type: DefinitionType('Policy type (a policy definition on the cluster), e.g. topology, override.'),
  properties: Properties,
});
const Step = Strict({
  name: Name,
  type: DefinitionType('Workflow step type (a step definition on the cluster), e.g. deploy, suspend.'),
  properties: Properties,
  timeout: Type.Optional(
    Patterned('^[1-9][0-9]{0,5}(s|m|h)$', 'must be a duration such as 30s, 5m or 1h', {
      maxLength: 8,
      description: 'How long the step may run before it fails (and with it the workflow), e.g. 5m.',
    }),
  ),
});

/** The app spec's fields, as the API validates them. */
export const APP_SPEC = {
  project: { ...Name, description: 'The project (namespace) the app is deployed to; its tenant owns the app.' },
  clusters: Type.Optional(List(Name, 64, { uniqueItems: true, description: "Clusters to deploy to, within the tenant's placement; default: all of them." })),
  components: List(Component, 64, { minItems: 1 }),
  policies: Type.Optional(List(Policy, 64, { default: [] })),
  workflow: Type.Optional(Strict({ steps: List(Step, 64, { minItems: 1 }) })),
  driftPolicy: Type.Optional(DriftPolicy),
};

export const AppSpecSchema = Strict(APP_SPEC);

/** The App intent as stored (defaults applied). The app engine's adapter reads this. */
export type AppSpec = Static<typeof AppSpecSchema>;
