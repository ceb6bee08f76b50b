"""sinacrawl's spiders: each says where to go and which page object reads what it finds."""
