import { Instrument, rpcMethod } from "../../../../runtime/driver/driver-api.ts";

/** A point in the plane. */
export interface Point {
  /** Horizontal position, mm. */
  x: number;
  /** Vertical position, mm. */
  y: number;
}

/** A path of points. */
export interface Path {
  /** Name of the path. */
  name: string;
  points: Point[];
  /** Where the path starts. */
  start: Point;
}

/** A stage moving along paths. */
export class Stage extends Instrument {
  /** Move along a path. */
  @rpcMethod async follow(path: Path): Promise<Point> {
    return path.start;
  }
}
