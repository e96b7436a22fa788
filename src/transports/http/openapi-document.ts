/**
 * The OpenAPI 3.1 document of every route, built from the route table's zod schemas (api-routes.ts)
 * with zod's own JSON Schema output (draft 2020-12, which OpenAPI 3.1 uses as is). Named schemas
 * (`.meta({ id })`) become components; request bodies are described as zod reads input, responses as
 * it writes output. Pure: the same table always gives the same document.
 */
import { z } from 'zod';
import { REQUEST_ID_HEADER } from './api-responses.js';
import { PATH_PARAM_MAX_CHARS, type HeaderSpec, type ResponseSpec, type RouteSpec } from './api-routes.js';

type JsonSchema = Record<string, unknown>;

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

const BINARY: JsonSchema = { type: 'string', format: 'binary' };
const TEXT: JsonSchema = { type: 'string' };
const COMPONENTS = '#/components/schemas/';

export function buildOpenApiDocument(specs: readonly RouteSpec[], info: OpenApiInfo): JsonSchema {
  const schemas = new ComponentSchemas();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const tags: string[] = [];
  for (const spec of specs) {
    const path = openApiPath(spec.url);
    const operations = (paths[path] ??= {});
    const method = spec.method.toLowerCase();
    if (operations[method]) throw new Error(`openapi: ${spec.method} ${path} is in the route table twice`);
    operations[method] = operation(spec, schemas);
    if (!tags.includes(spec.tag)) tags.push(spec.tag);
  }
  return {
    openapi: '3.1.0',
    info,
    tags: tags.map((name) => ({ name })),
    paths,
    components: { schemas: schemas.all() },
  };
}

/** `/v2/models/:model/infer` as `/v2/models/{model}/infer`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function operation(spec: RouteSpec, schemas: ComponentSchemas): JsonSchema {
  const parameters = [
    ...parametersOf(spec.params, 'path', schemas),
    ...parametersOf(spec.query, 'query', schemas),
    ...Object.entries(spec.headers ?? {}).map(([name, header]) => ({
      name,
      in: 'header',
      ...headerObject(header, schemas),
    })),
  ];
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(spec.responses))
    responses[status] = responseObject(response, schemas);
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: spec.body.required,
            content: {
              'application/json': { schema: schemas.of(spec.body.json, 'input') },
              ...(spec.body.binary
                ? {
                    'application/octet-stream': {
                      schema: { ...BINARY, description: spec.body.binary.description },
                    },
                  }
                : {}),
            },
          },
        }
      : {}),
    responses,
  };
}

/** One parameter per property of a zod object; path parameters are always required. */
function parametersOf(
  schema: z.ZodType | undefined,
  where: 'path' | 'query',
  schemas: ComponentSchemas,
): JsonSchema[] {
  if (schema === undefined) return [];
  const object = schemas.of(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = (object.required ?? []) as string[];
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      // The server takes longer ones (and answers 404), but past fastify's limit it is a 400.
      schema:
        where === 'path' && rest.type === 'string' ? { maxLength: PATH_PARAM_MAX_CHARS, ...rest } : rest,
    };
  });
}

function responseObject(response: ResponseSpec, schemas: ComponentSchemas): JsonSchema {
  const content: Record<string, JsonSchema> = {};
  if (response.json) content['application/json'] = { schema: schemas.of(response.json, 'output') };
  for (const type of response.text ?? []) content[type] = { schema: TEXT };
  for (const type of response.binary ?? []) content[type] = { schema: BINARY };
  const headers: Record<string, JsonSchema> = {};
  for (const [name, header] of Object.entries({ ...REQUEST_ID_HEADER, ...response.headers }))
    headers[name] = headerObject(header, schemas);
  return {
    description: response.description,
    headers,
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

function headerObject(header: HeaderSpec, schemas: ComponentSchemas): JsonSchema {
  return {
    description: header.description,
    required: header.required,
    schema: schemas.of(header.schema, 'input'),
  };
}

/**
 * zod schemas as JSON Schema, with every named one (and every recursive one) hoisted into
 * `components.schemas` once. A name that would stand for two different schemas is a bug: thrown.
 */
class ComponentSchemas {
  readonly #components: Record<string, JsonSchema> = {};
  readonly #converted = { input: new Map<z.ZodType, JsonSchema>(), output: new Map<z.ZodType, JsonSchema>() };
  #anonymous = 0;

  /** A `$ref` for a named schema, the JSON Schema itself otherwise; zod reads `input`, writes `output`. */
  of(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const done = this.#converted[io].get(schema);
    if (done) return done;
    const {
      $schema: _dialect,
      $defs,
      ...root
    } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
    // zod names unnamed recursive parts `__schema0`, `__schema1`... in every call: make them unique.
    const renames = new Map<string, string>();
    for (const name of Object.keys(($defs ?? {}) as JsonSchema))
      if (name.startsWith('__schema')) renames.set(name, `Nested${(this.#anonymous += 1)}`);
    const relink = (value: JsonSchema): JsonSchema =>
      JSON.parse(
        JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_match, name: string) =>
          JSON.stringify(COMPONENTS + (renames.get(name) ?? name)),
        ),
      ) as JsonSchema;
    for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>))
      this.#add(renames.get(name) ?? name, relink(definition));
    const result = relink(root);
    this.#converted[io].set(schema, result);
    return result;
  }

  all(): Record<string, JsonSchema> {
    return Object.fromEntries(Object.entries(this.#components).sort(([a], [b]) => a.localeCompare(b)));
  }

  #add(name: string, definition: JsonSchema): void {
    const known = this.#components[name];
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(definition))
      throw new Error(`openapi: two different schemas are named "${name}"`);
    this.#components[name] = definition;
  }
}
