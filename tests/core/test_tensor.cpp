// tests/core/test_tensor.cpp — tensor construction, strided views sharing storage, printing,
// the Philox streams, and the thread pool's determinism.
#include <doctest/doctest.h>

#include <ganlib/ops.hpp>
#include <sstream>

using namespace ganlib;
using TF = Tensor<float, cpu>;

TEST_CASE("factories fill the values they promise") {
  CHECK(zeros<float>({2, 3}).to_vector() == std::vector<float>(6, 0.f));
  CHECK(ones<float>({4}).to_vector() == std::vector<float>(4, 1.f));
  CHECK(full<float>({2}, 2.5f).to_vector() == std::vector<float>{2.5f, 2.5f});
  CHECK(arange<float>(0, 5).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange<float>(1, 2, 0.25).numel() == 4);
  // Tensors with a zero-sized dim are valid and empty.
  CHECK(zeros<float>({2, 3, 0, 6}).numel() == 0);
  CHECK(add(zeros<float>({2, 0}), ones<float>({1})).shape() == Shape{2, 0});
  CHECK(sum(zeros<float>({2, 0}), {1}).to_vector() == std::vector<float>{0, 0});
  const auto s = scalar_tensor<float>(3.f);
  CHECK(s.dim() == 0);
  CHECK(s.item() == 3.f);
  CHECK_THROWS_WITH_AS(from_vector<float>({1, 2, 3}, {2, 2}), doctest::Contains("3 values do not fill shape [2, 2]"), Error);
  CHECK_THROWS_WITH_AS(TF::empty({2, -1}), doctest::Contains("negative size"), Error);
  CHECK_THROWS_WITH_AS(TF::empty(Shape(9, 1)), doctest::Contains("rank 9 exceeds the maximum of 8"), Error);
  CHECK_THROWS_WITH_AS(zeros<float>({2, 2}).item(), doctest::Contains("has 4 elements, not 1"), Error);
}

TEST_CASE("views share storage and see each other's writes") {
  auto x = arange<float>(0, 24).reshape({2, 3, 4});
  auto t = x.permute({2, 0, 1});
  CHECK(t.shape() == Shape{4, 2, 3});
  CHECK(!t.is_contiguous());
  CHECK(t.same_storage(x));
  auto n = x.narrow(2, 1, 2);
  CHECK(n.shape() == Shape{2, 3, 2});
  CHECK(n.to_vector()[0] == 1.f);
  auto s = x.select(1, -1);  // x[:, 2, :]
  CHECK(s.shape() == Shape{2, 4});
  CHECK(s.to_vector() == std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23});
  auto e = from_vector<float>({1, 2, 3}, {3, 1}).expand({2, 3, 4});
  CHECK(e.strides()[0] == 0);
  CHECK(e.to_vector()[5] == 2.f);
  // A write through one view is seen by the other, and bumps the shared version.
  const auto v0 = x.version();
  auto col = x.narrow(2, 0, 1);
  fill_(col, 7.f);
  CHECK(x.to_vector()[4] == 7.f);
  CHECK(x.version() == v0 + 1);
  // contiguous() of a permuted view copies; of a contiguous tensor it does not.
  CHECK(!t.contiguous().same_storage(x));
  CHECK(x.contiguous().same_storage(x));
  CHECK(t.contiguous().to_vector() == t.to_vector());
  // reshape of a non-contiguous view copies, with the right order.
  CHECK(x.transpose(0, 2).reshape({-1}).to_vector()[1] == x.to_vector()[12]);
  CHECK(unsqueeze(x, -1).shape() == Shape{2, 3, 4, 1});
  CHECK(squeeze(unsqueeze(x, 0), 0).shape() == x.shape());
  CHECK(flatten(x).shape() == Shape{2, 12});
}

TEST_CASE("view errors name the op and the shapes") {
  auto x = zeros<float>({2, 3});
  CHECK_THROWS_WITH_AS(x.reshape({4, 2}), doctest::Contains("reshape: cannot reshape [2, 3] (6 elements) into [4, 2]"), Error);
  CHECK_THROWS_WITH_AS(x.permute({0}), doctest::Contains("permute: 1 dims given for a tensor of rank 2"), Error);
  CHECK_THROWS_WITH_AS(x.narrow(1, 2, 2), doctest::Contains("narrow: start 2 and length 2 do not fit dim 1 of size 3"), Error);
  CHECK_THROWS_WITH_AS(x.select(0, 5), doctest::Contains("select: index 5 is out of range for dim 0 of size 2"), Error);
  CHECK_THROWS_WITH_AS(x.expand({4, 4}), doctest::Contains("expand: size 2 of dim 0 cannot expand to 4 ([2, 3] -> [4, 4])"), Error);
  CHECK_THROWS_WITH_AS(x.sum({2}), doctest::Contains("sum: dim 2 is out of range for a tensor of rank 2"), Error);
  CHECK_THROWS_WITH_AS(add(x, zeros<float>({4})), doctest::Contains("add: shapes [2, 3] and [4] cannot be broadcast together"), Error);
  CHECK_THROWS_WITH_AS(matmul(x, zeros<float>({2, 3})), doctest::Contains("matmul: shapes [2, 3] and [2, 3] do not multiply"), Error);
  CHECK_THROWS_WITH_AS(linear(x, zeros<float>({4, 2})), doctest::Contains("linear: input [2, 3] and weight [4, 2] do not match"), Error);
  CHECK_THROWS_WITH_AS(Tensor<float>().shape(), doctest::Contains("undefined tensor"), Error);
}

TEST_CASE("printing shows shape, backend and values") {
  std::ostringstream os;
  os << from_vector<float>({1, 2, 3, 4}, {2, 2});
  CHECK(os.str().find("Tensor[2, 2] on cpu") != std::string::npos);
  CHECK(os.str().find("[3, 4]") != std::string::npos);
}

TEST_CASE("Philox 4x32-10 matches the Random123 known-answer vectors") {
  // Known-answer test from the Random123 distribution (kat_vectors, philox4x32_10).
  auto b = philox::draw(0, 0, 0);
  CHECK(b.v[0] == 0x6627e8d5u);
  CHECK(b.v[1] == 0xe169c58du);
  CHECK(b.v[2] == 0xbc57ac4cu);
  CHECK(b.v[3] == 0x9b00dbd8u);
  // counter = all ones, key = all ones
  b = philox::draw(~uint64_t(0), ~uint64_t(0), ~uint64_t(0));
  CHECK(b.v[0] == 0x408f276du);
  CHECK(b.v[1] == 0x41c83b0eu);
  CHECK(b.v[2] == 0xa20bc7c6u);
  CHECK(b.v[3] == 0x6d5451fdu);
  // counter 243f6a88 85a308d3 13198a2e 03707344, key a4093822 299f31d0 (digits of pi)
  b = philox::draw(0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3243f6a88ull);
  CHECK(b.v[0] == 0xd16cfe09u);
  CHECK(b.v[1] == 0x94fdccebu);
  CHECK(b.v[2] == 0x5001e420u);
  CHECK(b.v[3] == 0x24126ea1u);
}

TEST_CASE("random streams depend on seed and offset only, not on thread count") {
  Generator g1(123);
  const auto a = randn<float>({1000, 37}, g1).to_vector();
  set_num_threads(1);
  Generator g2(123);
  const auto b = randn<float>({1000, 37}, g2).to_vector();
  set_num_threads(2);
  CHECK(a == b);
  // The generator advances: a second draw differs, and a restored state repeats it.
  Generator g3(123);
  randn<float>({1000, 37}, g3);
  const auto state = g3.offset();
  const auto c = rand<float>({100}, g3).to_vector();
  Generator g4(0);
  g4.set_state(123, state);
  CHECK(rand<float>({100}, g4).to_vector() == c);
  // Moments of a large normal draw.
  Generator g5(7);
  const auto z = randn<double>({200000}, g5);
  CHECK(mean(z).item() == doctest::Approx(0.0).epsilon(0.01).scale(1));
  CHECK(var(z).item() == doctest::Approx(1.0).epsilon(0.01));
  const auto u = rand<double>({200000}, g5, -1, 3);
  CHECK(mean(u).item() == doctest::Approx(1.0).epsilon(0.01));
  CHECK(ganlib::max(u).item() < 3.0);
  CHECK(ganlib::min(u).item() >= -1.0);
}

TEST_CASE("reductions are bitwise repeatable for a thread count, and agree across counts") {
  Generator g(5);
  const auto x = randn<float>({64, 4096}, g);
  const auto s1 = sum(x, {1}).to_vector();
  const auto s2 = sum(x, {1}).to_vector();
  CHECK(s1 == s2);
  set_num_threads(1);
  const auto s3 = sum(x, {1}).to_vector();
  set_num_threads(2);
  CHECK(s1 == s3);  // each output is reduced by one thread in a fixed order
}

TEST_CASE("parallel_for covers the range exactly once") {
  std::vector<int> hits(100003, 0);
  parallel_for(int64_t(hits.size()), 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
  });
  CHECK(std::count(hits.begin(), hits.end(), 1) == int64_t(hits.size()));
}

TEST_CASE("the caching allocator reuses freed blocks") {
  auto& a = cpu_detail::allocator();
  void* p = a.allocate(1 << 20);
  a.deallocate(p, 1 << 20);
  void* q = a.allocate((1 << 20) - 100);  // rounds to the same size class
  CHECK(p == q);
  a.deallocate(q, (1 << 20) - 100);
  CHECK(reinterpret_cast<uintptr_t>(q) % 64 == 0);
  // Blocks from 2 MB on start on a huge-page boundary (their whole 2 MB pages are advised as
  // transparent huge pages).
  void* big = a.allocate((size_t(9) << 20) + 12345);
  CHECK(reinterpret_cast<uintptr_t>(big) % (size_t(2) << 20) == 0);
  a.deallocate(big, (size_t(9) << 20) + 12345);
}
