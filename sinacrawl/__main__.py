from sinacrawl.cli import main

raise SystemExit(main())
