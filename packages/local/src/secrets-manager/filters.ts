import { type Tag, validationError } from "./validation.ts";

const FILTER_VALUE_PATTERN = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;
const MAX_FILTER_VALUE_LENGTH = 512;

/** One of the `Filters` of a ListSecrets request, as it comes off the wire. */
export interface Filter {
  Key?: string;
  Values?: string[];
}

/** The attributes of a secret that filters look at. */
interface FilterableSecret {
  name: string;
  description?: string;
  tags: Tag[];
}

/**
 * AWS filter semantics: prefix matches, case-sensitive except for `description`; `all` splits the value
 * into words and needs each to start a word of the name, description, a tag key or a tag value, ignoring
 * case. connvault's secrets are never replicas nor managed by a service, so those keys match nothing.
 */
const FILTER_MATCHERS = new Map<string, (secret: FilterableSecret, term: string) => boolean>([
  ["name", (secret, term) => secret.name.startsWith(term)],
  [
    "description",
    (secret, term) => secret.description?.toLowerCase().startsWith(term.toLowerCase()) ?? false,
  ],
  ["tag-key", (secret, term) => secret.tags.some((tag) => tag.Key.startsWith(term))],
  ["tag-value", (secret, term) => secret.tags.some((tag) => tag.Value.startsWith(term))],
  ["primary-region", () => false],
  ["owning-service", () => false],
  ["all", matchesAnyAttributeWords],
]);

function matchesAnyAttributeWords(secret: FilterableSecret, term: string): boolean {
  const attributes = [
    secret.name,
    secret.description ?? "",
    ...secret.tags.flatMap((tag) => [tag.Key, tag.Value]),
  ];
  const attributeWords = attributes.flatMap(words);
  return words(term).every((word) => attributeWords.some((attributeWord) => attributeWord.startsWith(word)));
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s/_+=.@:!-]+/)
    .filter((word) => word !== "");
}

/**
 * One predicate per filter (none when `filters` is absent): a secret passes a filter when any of its
 * values (`!` negates one) matches.
 * @throws ValidationException on an unknown filter key, or unless a filter has 1 to 10 values, each a
 * string of at most 512 characters from `[a-zA-Z0-9 :_@/+=.-!]`.
 */
export function filterPredicates(
  filters: Filter[] | undefined,
): Array<(secret: FilterableSecret) => boolean> {
  return (filters ?? []).map(({ Key, Values }) => {
    const matches = FILTER_MATCHERS.get(Key ?? "");
    if (!matches) {
      throw validationError(`Filter key must be one of: ${[...FILTER_MATCHERS.keys()].join(", ")}.`);
    }
    const values = Array.isArray(Values) ? Values : [];
    const validValue = (value: unknown) =>
      typeof value === "string" &&
      value.length <= MAX_FILTER_VALUE_LENGTH &&
      FILTER_VALUE_PATTERN.test(value);
    if (values.length < 1 || values.length > 10 || !values.every(validValue)) {
      throw validationError(
        "Filter values must be 1 to 10 strings of at most 512 characters from [a-zA-Z0-9 :_@/+=.-!].",
      );
    }
    return (secret) =>
      values.some((value) => {
        const negated = value.startsWith("!");
        return matches(secret, negated ? value.slice(1) : value) !== negated;
      });
  });
}
