import { Card, makeStyles, Text, tokens } from '@fluentui/react-components';
import { CloudRegular } from '@fluentui/react-icons';
import { useEffect, type ReactNode } from 'react';

const useStyles = makeStyles({
  page: {
    boxSizing: 'border-box',
    height: '100%',
    overflowY: 'auto',
    display: 'flex',
    flexDirection: 'column',
    padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorNeutralBackground2,
    backgroundImage: `radial-gradient(ellipse 80% 50% at 50% 0%, ${tokens.colorBrandBackground2} 0%, transparent 100%)`,
  },
  // margin: auto centres the column and still lets a tall form scroll from its top.
  column: {
    margin: 'auto',
    width: '100%',
    maxWidth: '400px',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXL,
  },
  brand: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    gap: tokens.spacingVerticalXS,
    textAlign: 'center',
  },
  brandName: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorBrandForeground1,
  },
  brandIcon: { fontSize: '36px' },
  tagline: { color: tokens.colorNeutralForeground3 },
  card: {
    padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalXXL}`,
    gap: tokens.spacingVerticalL,
    boxShadow: tokens.shadow8,
    '@media (max-width: 420px)': { padding: `${tokens.spacingVerticalXL} ${tokens.spacingHorizontalL}` },
  },
  heading: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  subtitle: { color: tokens.colorNeutralForeground2 },
  footer: { textAlign: 'center', color: tokens.colorNeutralForeground2 },
});

/**
 * The frame of the pages a user sees before signing in: the Cerulean brand, then a centred card
 * with the page's title and form, then a footer line (e.g. the link to the other page).
 */
export function AuthLayout({
  title,
  subtitle,
  children,
  footer,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const styles = useStyles();
  useEffect(() => {
    document.title = `${title} · Cerulean`;
  }, [title]);
  return (
    <div className={styles.page}>
      <div className={styles.column}>
        <header className={styles.brand}>
          <span className={styles.brandName}>
            <CloudRegular className={styles.brandIcon} aria-hidden />
            <Text as="span" size={700} weight="semibold">
              Cerulean
            </Text>
          </span>
          <Text size={200} className={styles.tagline}>
            Azure Blob Storage, in your browser
          </Text>
        </header>
        <main>
          <Card className={styles.card}>
            <div className={styles.heading}>
              <Text as="h1" size={600} weight="semibold" style={{ margin: 0 }}>
                {title}
              </Text>
              {subtitle ? <Text className={styles.subtitle}>{subtitle}</Text> : null}
            </div>
            {children}
          </Card>
        </main>
        {footer ? <footer className={styles.footer}>{footer}</footer> : null}
      </div>
    </div>
  );
}
