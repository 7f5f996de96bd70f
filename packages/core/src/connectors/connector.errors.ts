import { NotFoundError } from "../shared/errors.ts";

/** No connector with this id; the message names the closest catalog id, when one is close. */
export class ConnectorNotFoundError extends NotFoundError {
  constructor(
    id: string,
    readonly suggestion?: string,
  ) {
    super("connector", id);
    if (suggestion) this.message = `${this.message}; did you mean ${suggestion}?`;
  }
}
