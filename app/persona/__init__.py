"""The simulated peer: hidden state and the engines that write its words."""
