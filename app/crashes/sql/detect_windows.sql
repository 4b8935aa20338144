-- Exact sliding windows along every run: each crash opens a segment window [m, m + w) and a
-- point window [m, m + 2 × radius), and the crashes each holds are counted. Only the windows
-- that meet a rule are kept, with their ends at the crashes that count for the rules they meet
-- (a: the first, b: the last): a window opening at a crash that counts for none of them holds
-- no more than the one opening at the next crash that does.
CREATE TEMP TABLE detect_windows ON COMMIT DROP AS
WITH counted AS (
    SELECT DISTINCT ON (c.code, c.run, k.kind, c.m)
           c.code, c.run, k.kind, c.m AS a, c.m + k.len AS reach,
           c.fatal AS first_fatal, c.major AS first_major, c.ordinary AS first_ordinary, x.*
      FROM detect_crashes c
      JOIN detect_runs r ON r.code = c.code AND r.run = c.run
     CROSS JOIN LATERAL (VALUES ('segment', r.w),
                                ('point', 2 * CAST(:radius AS double precision))) AS k(kind, len)
     CROSS JOIN LATERAL (
           SELECT count(*) AS n, sum(d.fatal) AS fatal, sum(d.major) AS major,
                  sum(d.ordinary) AS ordinary, max(d.m) AS b_any,
                  max(d.m) FILTER (WHERE d.fatal = 1) AS b_fatal,
                  max(d.m) FILTER (WHERE d.major = 1) AS b_major,
                  max(d.m) FILTER (WHERE d.ordinary = 1) AS b_ordinary
             FROM detect_crashes d
            WHERE d.code = c.code AND d.run = c.run AND d.m >= c.m AND d.m < c.m + k.len
           ) AS x
     ORDER BY c.code, c.run, k.kind, c.m, c.fatal DESC, c.major DESC, c.ordinary DESC
), flagged AS (
    SELECT counted.*, /*reasons*/ AS reasons FROM counted
)
SELECT code, run, kind, a, reach, n, fatal, major, ordinary,
       greatest(CASE WHEN 'crashes' = ANY (reasons) THEN b_any END,
                CASE WHEN 'fatal_crashes' = ANY (reasons) THEN b_fatal END,
                CASE WHEN 'major_crashes' = ANY (reasons) THEN b_major END,
                CASE WHEN 'ordinary_crashes' = ANY (reasons) THEN b_ordinary END) AS b
  FROM flagged
 WHERE 'crashes' = ANY (reasons)
    OR ('fatal_crashes' = ANY (reasons) AND first_fatal = 1)
    OR ('major_crashes' = ANY (reasons) AND first_major = 1)
    OR ('ordinary_crashes' = ANY (reasons) AND first_ordinary = 1)
