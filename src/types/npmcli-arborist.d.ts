// The slice of @npmcli/arborist's API repro uses (it ships no type declarations).
declare module '@npmcli/arborist' {
  interface ArboristNode {
    name: string;
    version?: string;
    resolved?: string | null;
    integrity?: string | null;
    isRoot?: boolean;
    isLink?: boolean;
    location: string;
  }
  export default class Arborist {
    constructor(options: { path: string });
    loadVirtual(): Promise<{ inventory: Map<string, ArboristNode> }>;
  }
}
