#include "nas/dist/message_channel.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace nas {
namespace {

using namespace std::chrono_literals;

TEST(LocalChannels, DeliversInOrderWithTheSender) {
  LocalChannels ch(3);
  EXPECT_EQ(ch.endpoint(2).rank(), 2);
  EXPECT_EQ(ch.endpoint(2).size(), 3);
  ch.endpoint(1).send(0, 5, "a");
  ch.endpoint(2).send(0, 6, "b");
  ch.endpoint(1).send(0, 7, "c");
  auto m = ch.endpoint(0).receive(0ms);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->peer, 1);
  EXPECT_EQ(m->tag, 5);
  EXPECT_EQ(m->body, "a");
  EXPECT_EQ(ch.endpoint(0).receive(0ms)->body, "b");
  EXPECT_EQ(ch.endpoint(0).receive(0ms)->body, "c");
  EXPECT_FALSE(ch.endpoint(0).receive(0ms));
}

TEST(LocalChannels, ReceiveWaitsUpToItsTimeout) {
  LocalChannels ch(2);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(ch.endpoint(1).receive(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
  std::thread sender([&] {
    std::this_thread::sleep_for(10ms);
    ch.endpoint(0).send(1, 1, "late");
  });
  auto m = ch.endpoint(1).receive(5s);
  sender.join();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body, "late");
}

TEST(LocalChannels, RejectsAnEmptyWorld) { EXPECT_THROW(LocalChannels(0), std::invalid_argument); }

}  // namespace
}  // namespace nas
