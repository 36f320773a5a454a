/** An input problem the person can fix; its message is shown in the cell or the pane as it is. */
export class PcnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PcnError";
  }
}

export function fail(message: string): never {
  throw new PcnError(message);
}
