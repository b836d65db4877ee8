// Schema model shipped with each generated codec: enough to convert the JSON view
// back into a typed document (binary fields, bigints) and to generate random valid
// documents in tests. Plain data, produced by the generator from the XSD.

export type SimpleRep =
  | { k: 'bool' }
  | { k: 'enum'; values: string[]; bits: number }
  | { k: 'nbit'; min: number; max: number; bits: number }
  | { k: 'int'; unsigned: boolean; big: boolean; min: bigint | undefined; max: bigint | undefined }
  | { k: 'string'; minLen: number; maxLen: number }
  | { k: 'binary'; minLen: number; maxLen: number };

/** Content model: element leaves refer to MetaType.leaves by index. */
export type MParticle =
  | { k: 'el'; leaf: number; min: number; max: number }
  | { k: 'any'; min: number; max: number }
  | { k: 'seq' | 'choice'; min: number; max: number; items: MParticle[] };

/** A value type: the name of a complex type in MetaGrammar.types, or a simple representation. */
export type MetaValue = string | SimpleRep;

export interface MetaLeaf {
  name: string;
  /** undefined for wildcards (SE(*)). */
  type: MetaValue | undefined;
  min: number;
  max: number;
  array: boolean;
}

export interface MetaType {
  attrs: { name: string; type: SimpleRep; required: boolean }[];
  leaves: MetaLeaf[];
  model: MParticle | undefined;
  simpleContent: SimpleRep | undefined;
  abstract: boolean;
  mixed: boolean;
}

export interface MetaGrammar {
  roots: Record<string, MetaValue>;
  types: Record<string, MetaType>;
}
