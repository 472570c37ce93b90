// Placeholder composition root; replaced by the daemon work.
int main() { return 0; }
