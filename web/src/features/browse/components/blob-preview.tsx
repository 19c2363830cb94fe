// Loaded only when a blob with a preview is opened (React.lazy): images, audio and video
// through a short-lived inline link (the server streams ranges), PDF in a frame, text as
// the first MiB.
import { Button, makeStyles, Skeleton, SkeletonItem, Switch, Text, tokens } from '@fluentui/react-components';
import { ArrowDownloadRegular, EyeRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { ErrorState } from '@/components/error-state';
import { inlineLinkQuery, textHeadQuery, textPreviewLimit, type BlobRef } from '@/features/browse/api/blob-properties';
import type { PreviewKind } from '@/features/browse/preview-kind';
import { formatBytes } from '@/lib/format';

const useStyles = makeStyles({
  frame: {
    display: 'flex',
    justifyContent: 'center',
    alignItems: 'center',
    minHeight: '120px',
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    overflow: 'hidden',
  },
  checker: {
    backgroundImage: `linear-gradient(45deg, ${tokens.colorNeutralBackground4} 25%, transparent 25%), linear-gradient(-45deg, ${tokens.colorNeutralBackground4} 25%, transparent 25%), linear-gradient(45deg, transparent 75%, ${tokens.colorNeutralBackground4} 75%), linear-gradient(-45deg, transparent 75%, ${tokens.colorNeutralBackground4} 75%)`,
    backgroundSize: '16px 16px',
    backgroundPosition: '0 0, 0 8px, 8px -8px, -8px 0',
  },
  image: { display: 'block', maxWidth: '100%', maxHeight: '360px', objectFit: 'contain' },
  video: { display: 'block', width: '100%', maxHeight: '360px', backgroundColor: '#000' },
  audio: { width: '100%' },
  pdf: { width: '100%', height: '480px', border: 'none', backgroundColor: tokens.colorNeutralBackground1 },
  text: {
    margin: 0,
    padding: tokens.spacingHorizontalM,
    maxHeight: '420px',
    overflow: 'auto',
    whiteSpace: 'pre',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    lineHeight: tokens.lineHeightBase300,
    backgroundColor: tokens.colorNeutralBackground3,
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground1,
    tabSize: 4,
  },
  wrap: { whiteSpace: 'pre-wrap', wordBreak: 'break-word' },
  textFoot: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalS,
    flexWrap: 'wrap',
  },
  note: { color: tokens.colorNeutralForeground3, display: 'block', marginTop: tokens.spacingVerticalXS },
  ask: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalL,
    textAlign: 'center',
  },
});

/** Images larger than this wait for a click: the whole image would be downloaded to show it. */
const largeImage = 25 * 1024 * 1024;

function LinkedMedia({ blob, kind }: { blob: BlobRef; kind: 'image' | 'audio' | 'video' | 'pdf' }) {
  const styles = useStyles();
  const link = useQuery(inlineLinkQuery(blob));
  const [failed, setFailed] = useState(false);
  if (link.isPending) {
    return (
      <Skeleton aria-label="Loading the preview">
        <SkeletonItem style={{ height: kind === 'audio' ? 40 : 200 }} />
      </Skeleton>
    );
  }
  if (link.isError) return <ErrorState error={link.error} title="No preview" onRetry={() => void link.refetch()} />;
  const src = link.data.url;
  if (failed) {
    return (
      <div className={styles.ask}>
        <Text>
          The browser could not show this {kind === 'image' ? 'image' : kind === 'pdf' ? 'document' : 'file'}.
        </Text>
        <Button
          size="small"
          onClick={() => {
            setFailed(false);
            void link.refetch();
          }}
        >
          Try again
        </Button>
      </div>
    );
  }
  switch (kind) {
    case 'image':
      return (
        <div className={`${styles.frame} ${styles.checker}`}>
          <img className={styles.image} src={src} alt={`Preview of ${blob.name}`} onError={() => setFailed(true)} />
        </div>
      );
    case 'video':
      return (
        <video
          className={styles.video}
          src={src}
          controls
          preload="metadata"
          aria-label={`Video ${blob.name}`}
          onError={() => setFailed(true)}
        />
      );
    case 'audio':
      return (
        <audio
          className={styles.audio}
          src={src}
          controls
          preload="metadata"
          aria-label={`Audio ${blob.name}`}
          onError={() => setFailed(true)}
        />
      );
    case 'pdf':
      return <iframe className={styles.pdf} src={src} title={`PDF ${blob.name}`} />;
  }
}

function TextPreview({ blob }: { blob: BlobRef }) {
  const styles = useStyles();
  const head = useQuery(textHeadQuery(blob));
  const [wrap, setWrap] = useState(false);
  if (head.isPending) {
    return (
      <Skeleton aria-label="Loading the preview">
        {Array.from({ length: 6 }, (_, i) => (
          <SkeletonItem key={i} size={12} style={{ width: `${50 + ((i * 29) % 45)}%`, marginBottom: 6 }} />
        ))}
      </Skeleton>
    );
  }
  if (head.isError) return <ErrorState error={head.error} title="No preview" onRetry={() => void head.refetch()} />;
  const { text, shown, total } = head.data;
  if (total === 0) return <Text className={styles.note}>This file is empty.</Text>;
  return (
    <>
      <pre className={`${styles.text} ${wrap ? styles.wrap : ''}`} tabIndex={0} aria-label={`Text of ${blob.name}`}>
        {text}
      </pre>
      <div className={styles.textFoot}>
        <Text size={200} className={styles.note}>
          {shown < total
            ? `Showing the first ${formatBytes(Math.min(shown, textPreviewLimit))} of ${formatBytes(total)}.`
            : formatBytes(total)}
        </Text>
        <Switch label="Wrap lines" checked={wrap} onChange={(_, data) => setWrap(data.checked)} />
      </div>
    </>
  );
}

/** The preview of one blob, by kind. */
export default function BlobPreview({
  blob,
  kind,
  size,
  onDownload,
}: {
  blob: BlobRef;
  kind: PreviewKind;
  size: number;
  onDownload: () => void;
}) {
  const styles = useStyles();
  const [showLarge, setShowLarge] = useState(false);
  if (kind === 'text') return <TextPreview blob={blob} />;
  if (kind === 'image' && size > largeImage && !showLarge) {
    return (
      <div className={`${styles.frame} ${styles.ask}`}>
        <Text>This image is {formatBytes(size)}; showing it downloads all of it.</Text>
        <div style={{ display: 'flex', gap: 8 }}>
          <Button size="small" icon={<EyeRegular />} onClick={() => setShowLarge(true)}>
            Show anyway
          </Button>
          <Button size="small" icon={<ArrowDownloadRegular />} onClick={onDownload}>
            Download
          </Button>
        </div>
      </div>
    );
  }
  return <LinkedMedia blob={blob} kind={kind} />;
}
