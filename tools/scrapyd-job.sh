#!/bin/sh
# Run one sinacrawl job on Scrapyd and exit with its verdict, for cron and systemd timers.
#   tools/scrapyd-job.sh SCRAPYD_URL ARCHIVE SPIDER [-d NAME=VALUE …]
# e.g. tools/scrapyd-job.sh http://localhost:6800 /srv/sinacrawl/archive roll -d columns=all
#
# Schedules SPIDER of the deployed project `sinacrawl` (schedule.json, with
# SINACRAWL_OUTPUT_DIR=ARCHIVE and a job id of its own; the -d arguments are passed on:
# `-d setting=NAME=VALUE` a Scrapy setting, `-d NAME=VALUE` a spider argument), polls
# status.json until the job has ended, prints where its log is and the run's report
# (`sinacrawl last-run ARCHIVE --job ID`), and exits with that command's status:
#   0 the run succeeded; 1 it failed; 2 it left no report (it was refused before it began,
#   e.g. a bad argument or a folder in use: the job's log says why), or a usage error here;
#   3 Scrapyd could not be reached, refused the job, or the job was still running after
#   SINACRAWL_JOB_TIMEOUT seconds (default 25200, 7 hours: a run stops itself after 6).
# Run it where ARCHIVE is readable (the Scrapyd machine). Needs curl, and `sinacrawl` on PATH
# (or SINACRAWL=/path/to/sinacrawl). SINACRAWL_POLL: seconds between polls (default 10).
set -eu

me=${0##*/}
if [ $# -lt 3 ]; then
    echo "$me: usage: $me SCRAPYD_URL ARCHIVE SPIDER [-d NAME=VALUE …]" >&2
    exit 2
fi
url=${1%/}
archive=$2
spider=$3
shift 3
case $archive in
    /*) ;;
    *)
        echo "$me: ARCHIVE $archive: give an absolute path (Scrapyd's jobs run in its own folder)" >&2
        exit 2
        ;;
esac
poll=${SINACRAWL_POLL:-10}
timeout=${SINACRAWL_JOB_TIMEOUT:-25200}
job="$spider-$(date -u +%Y%m%dT%H%M%SZ)-$$"

if ! answer=$(curl -sS --max-time 120 "$url/schedule.json" -d project=sinacrawl \
    -d spider="$spider" -d jobid="$job" -d setting=SINACRAWL_OUTPUT_DIR="$archive" "$@" 2>&1); then
    echo "$me: could not reach Scrapyd at $url: $answer" >&2
    exit 3
fi
case $answer in
    *'"status": "ok"'*) ;;
    *)
        echo "$me: Scrapyd did not schedule $spider: $answer" >&2
        exit 3
        ;;
esac
echo "$me: scheduled job $job"

start=$(date +%s)
while :; do
    # (a failed poll is tried again: Scrapyd may be restarting)
    state=$(curl -sS --max-time 30 "$url/status.json?job=$job" 2>/dev/null |
        sed -n 's/.*"currstate": *"\{0,1\}\([a-z]*\).*/\1/p') || state=
    case $state in
        finished) break ;;
        null) break ;; # Scrapyd forgot the job (restarted): the report says what happened
    esac
    if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
        echo "$me: job $job still ${state:-unknown} after $timeout s" >&2
        exit 3
    fi
    sleep "$poll"
done

echo "$me: job $job ended; its log: $url/logs/sinacrawl/$spider/$job.log"
exec "${SINACRAWL:-sinacrawl}" last-run "$archive" --job "$job"
