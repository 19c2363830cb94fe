// Azure's rules for blob metadata: names are C# identifiers (ASCII here: they travel as
// HTTP header names), compared without regard to case.

export interface MetadataRow {
  id: number;
  name: string;
  value: string;
}

export function metadataNameProblem(name: string): string | null {
  if (!name) return 'Enter a name.';
  if (!/^[A-Za-z_]/.test(name)) return 'Start with a letter or an underscore.';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'Use only letters, digits and underscores.';
  return null;
}

/** The problem of each row, by row id (only rows that have one). */
export function metadataProblems(rows: readonly MetadataRow[]): Map<number, string> {
  const problems = new Map<number, string>();
  const seen = new Map<string, number>();
  for (const row of rows) {
    const problem = metadataNameProblem(row.name);
    if (problem) {
      problems.set(row.id, problem);
      continue;
    }
    const lower = row.name.toLowerCase();
    if (seen.has(lower)) problems.set(row.id, 'This name is already used (names ignore case).');
    else seen.set(lower, row.id);
  }
  return problems;
}
