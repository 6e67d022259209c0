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
    /** Inside a parent's bundleDependencies (its tarball carries it). */
    inBundle?: boolean;
  }
  export default class Arborist {
    constructor(options: { path: string; offline?: boolean; ignoreScripts?: boolean; audit?: boolean; fund?: boolean; cache?: string; binLinks?: boolean; registry?: string });
    loadVirtual(): Promise<{ inventory: Map<string, ArboristNode> }>;
    /** npm ci's install: the tree the lock describes, written to node_modules. */
    reify(options?: { save?: boolean }): Promise<unknown>;
  }
}

// Arborist's own lockfile reader: the same parsing npm does, without loading the whole tree
// machinery (importing @npmcli/arborist costs ~300 ms; this ~60 ms).
declare module '@npmcli/arborist/lib/shrinkwrap.js' {
  interface LockEntry {
    name?: string;
    version?: string;
    resolved?: string;
    integrity?: string;
    link?: boolean;
  }
  export default class Shrinkwrap {
    static load(options: { path: string }): Promise<Shrinkwrap>;
    lockfileVersion: number;
    loadedFromDisk: boolean;
    data: { packages?: Record<string, LockEntry> };
  }
}
