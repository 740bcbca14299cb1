// What a smoothing method produces: per order n (index n, 1..N), each n-gram's log10
// probability and, as a context, its log10 backoff weight; plus facts for the ARPA header.
export interface Estimate {
  prob: Float64Array[];
  backoff: Float64Array[];
  notes: Record<string, string>;
}
