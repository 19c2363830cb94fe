import { makeStyles, Skeleton, SkeletonItem, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, padding: tokens.spacingHorizontalXL },
  row: { display: 'grid', gridTemplateColumns: '2fr 1fr 1fr', gap: tokens.spacingHorizontalL },
});

/** Skeleton rows while a page or a listing loads: the shape of what is coming, not a spinner. */
export function PageSkeleton({ rows = 8, label = 'Loading' }: { rows?: number; label?: string }) {
  const styles = useStyles();
  return (
    <Skeleton className={styles.root} aria-label={label} aria-busy="true">
      <SkeletonItem size={24} style={{ width: '30%' }} />
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className={styles.row}>
          <SkeletonItem size={16} />
          <SkeletonItem size={16} />
          <SkeletonItem size={16} />
        </div>
      ))}
    </Skeleton>
  );
}
