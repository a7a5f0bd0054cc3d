// Schemas of the API's own envelope: conditions and status as responses show them, secret
// fields, the error body, list pages and name parameters.
import { Type } from 'typebox';
import { PHASES } from '../../domain/resource.js';
import { Name, Patterned, Strict, StringEnum } from '../../domain/schema.js';
import { MAX_CURSOR_LENGTH } from '../../store/cursor.js';

const Condition = Strict({
  type: Type.String(),
  status: StringEnum(['True', 'False', 'Unknown']),
  reason: Type.String(),
  message: Type.String(),
  lastTransitionTime: Type.String({ format: 'date-time' }),
});

const PhaseSchema = StringEnum(PHASES);

/** Filled by reconcilers; open for the per-kind detail they add (capabilities, revisions...). */
export const Status = Type.Object(
  {
    phase: PhaseSchema,
    conditions: Type.Array(Condition),
    observedGeneration: Type.Integer(),
    clusters: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({ phase: PhaseSchema, conditions: Type.Array(Condition), observedGeneration: Type.Integer() }, { additionalProperties: true }),
      ),
    ),
  },
  { additionalProperties: true },
);

/** What a response says about a write-only secret field: that it is set, never its value. */
export const SecretInfo = Strict({
  set: Type.Boolean(),
  keyId: Type.Optional(Type.String({ description: 'Id of the key-encryption key wrapping it.' })),
  updatedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const ErrorBody = Strict({
  code: Type.String({ description: 'Stable error code, e.g. VALIDATION_FAILED, NOT_FOUND, CONFLICT.' }),
  message: Type.String(),
  details: Type.Array(Strict({ field: Type.String(), reason: Type.String() })),
});

export const DEFAULT_PAGE_SIZE = 100;

const PHASE_NAMES = `(?:${PHASES.join('|')})`;
const PHASE_LIST = `^${PHASE_NAMES}(?:,${PHASE_NAMES})*$`;

export const ListQuery = Strict({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE, description: 'Page size.' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH, description: 'The `nextCursor` of the previous page.' })),
  labelSelector: Type.Optional(Type.String({ maxLength: 4096, description: 'Kubernetes label selector: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.' })),
  phase: Type.Optional(
    Patterned(PHASE_LIST, `must be phases separated by ",": ${PHASES.join(', ')}`, {
      maxLength: 128,
      description: 'Only objects in one of these phases (`status.phase`), comma-separated: `Error,Drifted`.',
    }),
  ),
  nameContains: Type.Optional(
    Patterned('^[-a-z0-9]{1,63}$', 'must be 1-63 lowercase letters, digits or "-" (what names are made of)', {
      description: 'Only objects whose name contains this text.',
    }),
  ),
  count: Type.Optional(Type.Boolean({ description: 'Also count the objects selected over all pages: `total` in the answer.' })),
});

export const NameParams = Strict({ name: Name });
