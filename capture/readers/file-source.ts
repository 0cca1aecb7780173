// What every file-backed packet source shares: the chunked input, its position, a DataView
// cached per batch buffer, and how a fault ends the file (the error names file and offset).
import { ChunkedFile } from './chunked-file.js';
import { ReaderError } from './types.js';

export abstract class ChunkedFileSource {
  error: ReaderError | undefined;
  protected done = false;
  protected readonly input: ChunkedFile;
  private dv: DataView | undefined;

  /** `fd` is owned by the source from here on; records start at `startPos`. */
  constructor(readonly path: string, fd: number, readonly size: number, startPos: number, chunkSize?: number) {
    this.input = new ChunkedFile(fd, size, startPos, chunkSize);
  }

  get position(): number { return this.input.position; }

  /** A DataView over the batch buffer, made once per buffer, not per batch. */
  protected viewOf(b: Uint8Array): DataView {
    const dv = this.dv;
    if (dv && dv.buffer === b.buffer && dv.byteOffset === b.byteOffset && dv.byteLength === b.byteLength) return dv;
    return (this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength));
  }

  protected fail(offset: number, reason: string): void {
    this.error = new ReaderError(this.path, offset, reason);
    this.done = true;
  }

  /**
   * A record that cannot fit the batch buffer ends the file as corruption does (a snaplen up to
   * 16 MiB allows records larger than a small-chunk batch holds; refill would throw).
   */
  protected tooLarge(b: Uint8Array, need: number, offset: number, what: string): boolean {
    if (need <= b.length) return false;
    this.fail(offset, `${what} of ${need} bytes does not fit the ${b.length}-byte read buffer`);
    return true;
  }

  close(): void {
    this.done = true;
    this.input.close();
  }
}
