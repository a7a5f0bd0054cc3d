// Request validation with TypeBox's compiled checks. Bodies are checked as sent: no coercion,
// no defaults, no silently dropped fields. Query, path and header values arrive as text and are
// converted only where the text is exactly a number or boolean (`limit=1.5` or `limit=0x10`
// stay text and fail), never more leniently.
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

const INTEGER = /^-?(?:0|[1-9][0-9]{0,15})$/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

type PropertySchema = { type?: unknown };

function convertText(schema: PropertySchema | undefined, value: unknown): unknown {
  if (typeof value !== 'string' || !schema) return value;
  if (schema.type === 'integer' && INTEGER.test(value)) return Number(value);
  if (schema.type === 'number' && NUMBER.test(value)) return Number(value);
  if (schema.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Top-level text values converted to the types their properties declare. */
function convertTextFields(schema: TSchema, input: unknown): unknown {
  const properties = (schema as { properties?: Record<string, PropertySchema> }).properties;
  if (!properties || input === null || typeof input !== 'object') return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) out[key] = convertText(properties[key], value);
  return out;
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  return (input) => {
    const value: unknown = httpPart === 'body' ? input : convertTextFields(schema, input);
    return validator.Check(value) ? { value } : { error: validator.Errors(value) as never };
  };
};
